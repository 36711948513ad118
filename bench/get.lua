-- One GET scenario: PATH with the HEADER (a bearer token or a session cookie).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
local path = os.getenv("BENCH_PATH")
local header = os.getenv("BENCH_HEADER")
local name, value = header:match("^([^:]+):%s*(.*)$")
function request()
  local p = path:gsub("{rand}", tostring(math.random(1, tonumber(os.getenv("CLIENT_COUNT") or "20000"))))
  p = p:gsub("{page}", tostring(math.random(1, tonumber(os.getenv("PAGE_COUNT") or "240"))))
  return wrk.format("GET", p, {[name] = value})
end
