-- The mixed workload: 90 % reads (the dwelling list, a client's page, the overview),
-- 10 % writes (a corporation registers a dwelling). Each write carries a unique
-- external_ref so the acknowledged ones can be counted in the database afterwards.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local token_coord = os.getenv("TOKEN_COORD")
local token_corp = os.getenv("TOKEN_CORP")
local prefix = os.getenv("WRITE_PREFIX") or "mix"
local clients = tonumber(os.getenv("CLIENT_COUNT") or "20000")
local n = 0
id = 0 -- set per thread by setup()
local base_init, base_setup = init, setup
local next_thread = 0

-- Each thread writes under its own number, so every external_ref is unique.
function setup(thread)
  base_setup(thread)
  next_thread = next_thread + 1
  thread:set("id", next_thread)
end

function init(args)
  base_init(args)
  math.randomseed(id * 7919)
end

function request()
  n = n + 1
  local r = math.random(1, 100)
  if r <= 10 then
    local body = string.format('{"kind":"contingent","external_ref":"%s-%d-%d","street":"Laststraat","house_number":"%d",' ..
      '"postcode":"1011 AB","city":"Amsterdam","lat":52.3728,"lon":4.8936,"rooms":2,"max_household":2,' ..
      '"rent_cents":65000,"available_from":"2026-12-01"}', prefix, id, n, (n % 300) + 1)
    return wrk.format("POST", "/api/v1/dwellings", {["Authorization"] = "Bearer " .. token_corp, ["Content-Type"] = "application/json"}, body)
  elseif r <= 55 then
    return wrk.format("GET", "/api/v1/dwellings?per_page=50&page=" .. math.random(1, 200), {["Authorization"] = "Bearer " .. token_coord})
  elseif r <= 95 then
    return wrk.format("GET", "/api/v1/clients/" .. math.random(1, clients), {["Authorization"] = "Bearer " .. token_coord})
  else
    return wrk.format("GET", "/api/v1/me", {["Authorization"] = "Bearer " .. token_coord})
  end
end
