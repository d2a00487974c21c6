-- Keywords and regular expressions: programming questions go to the code model.
local WORDS = { "python", "javascript", "rust", "golang", "sql", "compile", "stack trace", "segfault", "regex" }
-- sy.matches uses RE2 (linear time): safe on any input.
local CODE = [[(?m)^\s*(def |class |fn |func |#include|import |SELECT |public static )|```]]

function route(req)
  local text = req.last_user_message
  if sy.contains_any(text, WORDS) or sy.matches(text, CODE) then
    return { model = "coder", reason = "code" }
  end
  return nil
end
