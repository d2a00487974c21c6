// W3C traceparent parsing and formatting, span scopes on the current thread, and the OTLP/HTTP
// JSON encoding of a batch.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <switchyard/tracing.hpp>

#include "server/trace_exporter.hpp"

namespace sy::tracing {
namespace {

TEST(TraceparentTest, ParsesValidHeadersAndRefusesMalformedOnes) {
    auto p = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->sampled);
    EXPECT_EQ(hex(p->trace.data(), 16), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(hex(p->span.data(), 8), "00f067aa0ba902b7");
    EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->sampled);
    for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero span id
                            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
                            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // invalid version
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"})  // v00 has no more fields
        EXPECT_FALSE(parse_traceparent(bad)) << bad;
    // A later version may append fields.
    EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"));
    EXPECT_EQ(format_traceparent(p->trace, p->span, true), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST(SpanScopeTest, NestsUnderTheCurrentSpanAndIsANoOpWithoutATrace) {
    {
        SpanScope none("nothing");
        EXPECT_FALSE(none.active());
        EXPECT_EQ(upstream_traceparent(), "");
    }
    Trace trace(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    {
        TraceScope scope(&trace);
        SpanScope outer("outer");
        {
            SpanScope inner("inner", Kind::client);
            inner.set("n", int64_t{3});
            inner.fail("boom");
            EXPECT_EQ(upstream_traceparent(), inner.traceparent());
        }
        EXPECT_EQ(upstream_traceparent(), outer.traceparent());
    }
    EXPECT_EQ(current(), nullptr) << "the scope restores the thread's previous trace";
    std::vector<Span> spans = trace.take_spans();
    ASSERT_EQ(spans.size(), 3u);
    EXPECT_EQ(spans[1].parent, spans[0].id);
    EXPECT_EQ(spans[2].parent, spans[1].id);
    EXPECT_TRUE(spans[2].error);
    EXPECT_GE(spans[2].end_unix_ns, spans[2].start_unix_ns);
    EXPECT_EQ(hex(spans[0].parent.data(), 8), "00f067aa0ba902b7") << "the root continues the client's span";
}

TEST(SpanScopeTest, AnUnsampledRequestPassesTheClientsTraceparentThrough) {
    TraceScope scope(nullptr, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    EXPECT_EQ(upstream_traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(OtlpJsonTest, EncodesSpansWithTypedAttributesAndStatus) {
    Trace trace(std::nullopt);
    {
        TraceScope scope(&trace);
        SpanScope s("chat gpt", Kind::client);
        s.set("gen_ai.request.model", "gpt");
        s.set("gen_ai.usage.input_tokens", int64_t{12});
        s.set("switchyard.cost_usd", 0.5);
        s.set("ok", true);
    }
    std::vector<server::FinishedTrace> batch;
    batch.push_back({trace.id(), trace.take_spans()});
    rapidjson::Document d;
    d.Parse(server::otlp_json("svc", batch).c_str());
    ASSERT_FALSE(d.HasParseError());
    const auto& rs = d["resourceSpans"][0];
    EXPECT_STREQ(rs["resource"]["attributes"][0]["value"]["stringValue"].GetString(), "svc");
    const auto& spans = rs["scopeSpans"][0]["spans"];
    ASSERT_EQ(spans.Size(), 2u);
    EXPECT_FALSE(spans[0].HasMember("parentSpanId")) << "a root without a remote parent";
    const auto& c = spans[1];
    EXPECT_EQ(std::string(c["traceId"].GetString()).size(), 32u);
    EXPECT_STREQ(c["parentSpanId"].GetString(), spans[0]["spanId"].GetString());
    EXPECT_EQ(c["kind"].GetInt(), 3);
    EXPECT_TRUE(c["startTimeUnixNano"].IsString());
    const auto& attrs = c["attributes"];
    EXPECT_STREQ(attrs[0]["value"]["stringValue"].GetString(), "gpt");
    EXPECT_STREQ(attrs[1]["value"]["intValue"].GetString(), "12");
    EXPECT_EQ(attrs[2]["value"]["doubleValue"].GetDouble(), 0.5);
    EXPECT_TRUE(attrs[3]["value"]["boolValue"].GetBool());
    EXPECT_EQ(c["status"]["code"].GetInt(), 1);
}

}  // namespace
}  // namespace sy::tracing
