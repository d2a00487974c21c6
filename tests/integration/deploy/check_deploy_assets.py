#!/usr/bin/env python3
"""Checks the shipped deployment assets without a container runtime or a cluster.

    check_deploy_assets.py kubernetes ROOT SWITCHYARD
    check_deploy_assets.py compose    ROOT SWITCHYARD PREFIX
    check_deploy_assets.py dockerfile ROOT SWITCHYARD PREFIX

ROOT is the repository, SWITCHYARD the built binary, PREFIX a `cmake --install` tree (stands in
for the image's /opt/switchyard). Prints one line per problem and exits 1 when there is any;
prints "ok" lines otherwise. The configs the assets carry are run through `switchyard config
check`, the compose nginx config through `nginx -t`, the compose Prometheus config through
`promtool check config`.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

problems = []


def fail(msg):
    problems.append(msg)


def config_check(binary, path, env=None):
    run_env = dict(os.environ, **(env or {}))
    p = subprocess.run([binary, "config", "check", path], capture_output=True, text=True, env=run_env)
    if p.returncode != 0:
        fail(f"switchyard config check {os.path.basename(path)}: {p.stdout}{p.stderr}".strip())


def labels_match(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


# --- Kubernetes ---------------------------------------------------------------------------------

KNOWN_KINDS = {
    ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"), ("apps/v1", "Deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"), ("policy/v1", "PodDisruptionBudget"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}


def load_manifests(kdir):
    kust = yaml.safe_load(open(os.path.join(kdir, "kustomization.yaml")))
    docs = []
    for res in kust.get("resources", []):
        path = os.path.join(kdir, res)
        if not os.path.isfile(path):
            fail(f"kustomization.yaml: resource {res} does not exist")
            continue
        for doc in yaml.safe_load_all(open(path)):
            if doc:
                docs.append((res, doc))
    return docs


def check_kubernetes(root, binary):
    kdir = os.path.join(root, "deploy", "kubernetes")
    docs = load_manifests(kdir)
    by_kind = {}
    for res, d in docs:
        key = (d.get("apiVersion"), d.get("kind"))
        if key not in KNOWN_KINDS:
            fail(f"{res}: unknown apiVersion/kind {key}")
        if not (d.get("metadata") or {}).get("name"):
            fail(f"{res}: {d.get('kind')} has no metadata.name")
        by_kind.setdefault(d.get("kind"), []).append(d)
    secret = yaml.safe_load(open(os.path.join(kdir, "secret.example.yaml")))
    (dep,) = by_kind.get("Deployment", [None])
    (svc,) = by_kind.get("Service", [None])
    (cm,) = by_kind.get("ConfigMap", [None])
    if not (dep and svc and cm):
        fail("need one Deployment, one Service and one ConfigMap")
        return
    spec = dep["spec"]
    pod_labels = spec["template"]["metadata"]["labels"]
    if not labels_match(spec["selector"]["matchLabels"], pod_labels):
        fail("deployment.yaml: selector does not match the pod labels")
    pod = spec["template"]["spec"]
    (c,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = (c.get(probe) or {}).get("httpGet") or {}
        if get.get("path") != path or get.get("port") not in ports:
            fail(f"deployment.yaml: {probe} must GET {path} on a named container port")
    pre = (((c.get("lifecycle") or {}).get("preStop") or {}).get("exec") or {}).get("command") or []
    pre_s = int(pre[1]) if len(pre) == 2 and pre[0] == "sleep" else -1
    if pre_s < 1:
        fail("deployment.yaml: preStop must sleep a few seconds before SIGTERM starts the drain")
    if pod.get("terminationGracePeriodSeconds", 30) < pre_s + 30 + 5:
        fail("deployment.yaml: terminationGracePeriodSeconds must cover preStop + the 30 s drain + a margin")
    sc = pod.get("securityContext") or {}
    if not sc.get("runAsNonRoot") or not sc.get("runAsUser"):
        fail("deployment.yaml: pods must run as a non-root user")
    args = c.get("args", [])
    config_path = args[args.index("--config") + 1] if "--config" in args else ""
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    cm_names = {d["metadata"]["name"] for d in by_kind.get("ConfigMap", [])}
    mounted_cm = None
    for v in pod.get("volumes", []):
        if "configMap" in v:
            if v["configMap"]["name"] not in cm_names:
                fail(f"deployment.yaml: volume {v['name']} names ConfigMap {v['configMap']['name']}, not in the set")
            elif config_path.startswith(mounts.get(v["name"], "//") + "/"):
                mounted_cm = v["configMap"]["name"]
    if mounted_cm != cm["metadata"]["name"] or os.path.basename(config_path) not in cm["data"]:
        fail(f"deployment.yaml: --config {config_path} is not a file of the mounted ConfigMap")
    env = {}
    for e in c.get("env", []):
        ref = (e.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            if ref["name"] != secret["metadata"]["name"] or ref["key"] not in secret.get("stringData", {}):
                fail(f"deployment.yaml: env {e['name']} reads {ref['name']}/{ref['key']}, not in secret.example.yaml")
            env[e["name"]] = "placeholder-" + ref["key"]
        else:
            env[e["name"]] = "127.0.0.1:6379" if e["name"] == "SY_REDIS_ADDRESS" else e.get("value", "")
    if not labels_match(svc["spec"]["selector"], pod_labels):
        fail("service.yaml: selector does not match the pods")
    for p in svc["spec"]["ports"]:
        if p.get("targetPort") not in ports:
            fail(f"service.yaml: targetPort {p.get('targetPort')} is not a container port name")
    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        ref = hpa["spec"]["scaleTargetRef"]
        if ref.get("kind") != "Deployment" or ref.get("name") != dep["metadata"]["name"]:
            fail("hpa.yaml: scaleTargetRef does not name the Deployment")
        if hpa["spec"].get("minReplicas", 1) < 2:
            fail("hpa.yaml: minReplicas below 2 leaves no instance during a rollout")
    for pdb in by_kind.get("PodDisruptionBudget", []):
        if not labels_match(pdb["spec"]["selector"]["matchLabels"], pod_labels):
            fail("pdb.yaml: selector does not match the pods")
    svc_ports = {p["name"] for p in svc["spec"]["ports"]}
    for sm in by_kind.get("ServiceMonitor", []):
        if not labels_match(sm["spec"]["selector"]["matchLabels"], svc["metadata"].get("labels", {})):
            fail("servicemonitor.yaml: selector does not match the Service's labels")
        for ep in sm["spec"]["endpoints"]:
            if ep.get("port") not in svc_ports or ep.get("path") != "/metrics":
                fail("servicemonitor.yaml: endpoints must scrape /metrics on a named Service port")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in cm["data"].items():
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        config_check(binary, os.path.join(tmp, os.path.basename(config_path)), env)
    print(f"ok kubernetes: {len(docs)} manifests")


# --- compose ------------------------------------------------------------------------------------

def check_compose(root, binary, prefix):
    cdir = os.path.join(root, "deploy", "docker")
    compose = yaml.safe_load(open(os.path.join(cdir, "compose.yaml")))
    services = compose.get("services", {})
    gateways = [n for n in services if n.startswith("gateway-")]
    if len(gateways) < 3:
        fail("compose.yaml: three gateway instances expected")
    for need in ("redis", "nginx", "prometheus", "grafana"):
        if need not in services:
            fail(f"compose.yaml: no {need} service")
    for name, s in services.items():
        build = s.get("build")
        if build:
            ctx = os.path.normpath(os.path.join(cdir, build["context"]))
            if not os.path.isfile(os.path.join(ctx, build["dockerfile"])):
                fail(f"compose.yaml: {name}: dockerfile {build['dockerfile']} not found in {ctx}")
        for v in s.get("volumes", []):
            src = v.split(":")[0]
            if src.startswith(".") and not os.path.exists(os.path.join(cdir, src)):
                fail(f"compose.yaml: {name}: volume source {src} does not exist")
        for dep in s.get("depends_on", []):
            if dep not in services:
                fail(f"compose.yaml: {name} depends on unknown service {dep}")
    with tempfile.TemporaryDirectory() as tmp:
        # The gateways' config, with the image's install prefix replaced by a local one.
        text = open(os.path.join(cdir, "compose", "switchyard.yaml")).read().replace("/opt/switchyard", prefix)
        path = os.path.join(tmp, "switchyard.yaml")
        open(path, "w").write(text)
        config_check(binary, path)
        # nginx -t with the service names resolved to loopback (they resolve inside compose).
        conf = open(os.path.join(cdir, "compose", "nginx.conf")).read()
        upstreams = re.findall(r"server\s+([\w-]+):\d+", conf)
        for host in upstreams:
            if host not in services:
                fail(f"compose/nginx.conf: upstream {host} is not a compose service")
        if not upstreams:
            fail("compose/nginx.conf: no upstream servers")
        for host in set(upstreams):
            conf = conf.replace(host + ":", "127.0.0.1:")
        nginx_conf = os.path.join(tmp, "nginx.conf")
        open(nginx_conf, "w").write(f"pid {tmp}/nginx.pid;\n" + conf)
        p = subprocess.run(["nginx", "-t", "-q", "-p", tmp, "-e", os.path.join(tmp, "error.log"), "-c", nginx_conf],
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail(f"nginx -t compose/nginx.conf: {p.stderr.strip()}")
        # Prometheus: the shipped rules in place of the mounted path; targets are services.
        prom = open(os.path.join(cdir, "compose", "prometheus.yml")).read()
        rules = os.path.join(root, "deploy", "observability", "prometheus-rules.yaml")
        prom = prom.replace("/etc/prometheus/rules/prometheus-rules.yaml", rules)
        for target in re.findall(r'"([\w-]+):\d+"', prom):
            if target not in services:
                fail(f"compose/prometheus.yml: target {target} is not a compose service")
        prom_path = os.path.join(tmp, "prometheus.yml")
        open(prom_path, "w").write(prom)
        if shutil.which("promtool"):
            p = subprocess.run(["promtool", "check", "config", prom_path], capture_output=True, text=True)
            if p.returncode != 0:
                fail(f"promtool check config compose/prometheus.yml: {p.stdout}{p.stderr}".strip())
        else:
            fail("promtool not found (deploy/setup.sh installs prometheus)")
    print(f"ok compose: {len(services)} services")


# --- Dockerfile ---------------------------------------------------------------------------------

def setup_packages(root):
    text = open(os.path.join(root, "deploy", "setup.sh")).read()
    block = text[text.index("PACKAGES=(") + len("PACKAGES=("):text.index(")\n", text.index("PACKAGES=("))]
    return {w for line in block.splitlines() for w in line.split("#")[0].split()}


def apt_packages(run_line):
    m = re.search(r"apt-get install ([^&]*)", run_line)
    return {w for w in m.group(1).replace("\\", " ").split() if not w.startswith("-")} if m else set()


def dpkg_owner(lib_path):
    # dpkg knows a file by the path its package installed, which usr-merge may have moved.
    real = os.path.realpath(lib_path)
    for path in (lib_path, real, real.replace("/usr/lib/", "/lib/", 1), lib_path.replace("/lib/", "/usr/lib/", 1)):
        p = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if p.returncode == 0:
            return p.stdout.split(":")[0]
    return None


def depends_closure(packages):
    seen, todo = set(), list(packages)
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        p = subprocess.run(["dpkg-query", "-W", "-f=${Depends},${Pre-Depends}", pkg], capture_output=True, text=True)
        for alt in p.stdout.split(","):
            name = alt.split("|")[0].strip().split(" ")[0].split(":")[0]
            if name:
                todo.append(name)
    return seen


def needed_libraries(prefix):
    files = [os.path.join(prefix, "bin", "switchyard")]
    plugdir = os.path.join(prefix, "lib", "switchyard", "plugins")
    files += [os.path.join(plugdir, f) for f in sorted(os.listdir(plugdir)) if f.endswith(".so")]
    libs = {}
    for f in files:
        out = subprocess.run(["ldd", f], capture_output=True, text=True).stdout
        for soname, path in re.findall(r"^\s*(\S+) => (/\S+)", out, re.M):
            if not re.match(r"lib(a|ub|l|t)san\.", soname):  # sanitizer runtimes: test builds only
                libs[soname] = path
    return libs


def check_dockerfile(root, binary, prefix):
    text = open(os.path.join(root, "deploy", "docker", "Dockerfile")).read()
    joined = re.sub(r"\\\n", " ", text)
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?", joined, re.M)
    if len(stages) != 2 or not stages[0][0].startswith("debian:bookworm") or stages[1][0] != "debian:bookworm-slim":
        fail(f"Dockerfile: expected a debian:bookworm build stage and a debian:bookworm-slim runtime stage, got {stages}")
        return
    build_part, run_part = joined.split("\nFROM debian:bookworm-slim", 1)
    build_pkgs = apt_packages(build_part)
    stray = build_pkgs - setup_packages(root)
    if stray:
        fail(f"Dockerfile: build packages not in deploy/setup.sh: {sorted(stray)}")
    user = re.findall(r"^USER (\S+)", run_part, re.M)
    if not user or user[-1].split(":")[0] in ("0", "root"):
        fail("Dockerfile: the runtime stage must end as a non-root USER")
    if "HEALTHCHECK" not in run_part or "/healthz" not in run_part:
        fail("Dockerfile: no HEALTHCHECK on /healthz")
    for src in re.findall(r"^COPY (?!--from)(?:--\S+ )*(.+) \S+$", joined, re.M):
        for item in src.split():
            if not os.path.exists(os.path.join(root, item)):
                fail(f"Dockerfile: COPY source {item} does not exist")
    # Every shared library the binary and the plugins load comes with the runtime packages.
    have = depends_closure(apt_packages(run_part) | {"libc6"})
    for soname, path in sorted(needed_libraries(prefix).items()):
        owner = dpkg_owner(path)
        if owner is None:
            fail(f"Dockerfile: {soname} ({path}) belongs to no Debian package")
        elif owner not in have:
            fail(f"Dockerfile: {soname} comes from {owner}, which the runtime stage does not install")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("deploy/docker/switchyard.yaml", "deploy/quickstart-policy.lua", "deploy/quickstart-policy_test.yaml"):
            body = open(os.path.join(root, name)).read().replace("/opt/switchyard", prefix)
            open(os.path.join(tmp, os.path.basename(name)), "w").write(body)
        config_check(binary, os.path.join(tmp, "switchyard.yaml"))
    print(f"ok dockerfile: {len(build_pkgs)} build packages, runtime libraries covered")


def main():
    what, root, binary = sys.argv[1], sys.argv[2], sys.argv[3]
    if what == "kubernetes":
        check_kubernetes(root, binary)
    elif what == "compose":
        check_compose(root, binary, sys.argv[4])
    elif what == "dockerfile":
        check_dockerfile(root, binary, sys.argv[4])
    else:
        sys.exit(f"unknown check {what}")
    for p in problems:
        print("error:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
