-- api.lua — the wrk script behind bench/api: one scenario per run, chosen by environment variables.
--
-- What it is for: making each request of a scenario, counting every response that is not 2xx, and printing
-- that count (and the first bad response) when the run ends, so bench/api can fail loudly on any.
-- What it is not for: timing. Requests/s and the latency distribution come from wrk itself (--latency).
--
-- Environment (set by bench/api):
--   BENCH_SCENARIO  static | person_read | family_members | note_write
--   BENCH_PATH      static: the path of the static file, e.g. /person.json
--   BENCH_IDS_FILE  the others: a file of ids, one a line, each request taking one at random:
--                     person_read     GET  /api/v1/people/<person id>
--                     family_members  GET  /api/v1/families/<family id>/members
--                     note_write      POST /api/v1/episodes/<episode id>/notes
--                   bench/api writes only ids the signed-in user may read (and write to), so that every
--                   request should answer 2xx under the access policy (docs/access.md).
--   BENCH_TOKEN     the others: the session token sent as "Authorization: Bearer <token>"
--
-- Every scenario goes through request() and response(), so the client does the same Lua work per request
-- whichever server it measures, and the ratios compare servers, not client code paths.
--
-- Threads: wrk runs setup() and done() in the main Lua state and init/request/response in one Lua state per
-- thread; setup() keeps each thread so done() can add up their counters with thread:get().

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_no", #threads)
end

local scenario, ids, note_body, note_headers, static_req, read_headers

local function fail(msg)
   io.stderr:write("api.lua: " .. msg .. "\n")
   os.exit(2)
end

function init(args)
   non2xx = 0          -- globals: read by done() through thread:get()
   first_bad = ""
   math.randomseed(os.time() * 1000 + thread_no)
   scenario = os.getenv("BENCH_SCENARIO") or fail("BENCH_SCENARIO is not set")
   if scenario == "static" then
      local path = os.getenv("BENCH_PATH") or fail("BENCH_PATH is not set")
      static_req = wrk.format("GET", path)
      return
   end
   if scenario ~= "person_read" and scenario ~= "family_members" and scenario ~= "note_write" then
      fail("unknown BENCH_SCENARIO " .. scenario)
   end
   local name = os.getenv("BENCH_IDS_FILE") or fail("BENCH_IDS_FILE is not set")
   local f = io.open(name, "r") or fail("cannot read " .. name)
   ids = {}
   for line in f:lines() do
      local id = tonumber(line)
      if id then ids[#ids + 1] = id end
   end
   f:close()
   if #ids == 0 then fail(name .. " holds no ids") end
   local auth = "Bearer " .. (os.getenv("BENCH_TOKEN") or fail("BENCH_TOKEN is not set"))
   if scenario ~= "note_write" then
      read_headers = { ["Authorization"] = auth }
   else
      note_headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth }
      -- A typical short case note: about 400 bytes of JSON.
      note_body = '{"note_type":"case_note","occurred_at":"2026-11-20T10:00:00Z",' ..
         '"subject":"Home visit (benchmark)",' ..
         '"body":"Visited the family at home with the school nurse. Mum said mornings are calmer since ' ..
         'the new routine started; school attendance this week was four days out of five. We agreed to ' ..
         'meet again after half term and to ask the GP about the referral for the youngest child."}'
   end
end

function request()
   if scenario == "static" then
      return static_req
   end
   local id = ids[math.random(#ids)]
   if scenario == "person_read" then
      return wrk.format("GET", "/api/v1/people/" .. id, read_headers)
   elseif scenario == "family_members" then
      return wrk.format("GET", "/api/v1/families/" .. id .. "/members", read_headers)
   else
      return wrk.format("POST", "/api/v1/episodes/" .. id .. "/notes", note_headers, note_body)
   end
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if first_bad == "" then
         first_bad = status .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

function done(summary, latency, requests)
   local bad, sample = 0, ""
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non2xx") or 0)
      local s = t:get("first_bad") or ""
      if sample == "" then sample = s end
   end
   -- One line bench/api reads; keep its shape.
   io.write(string.format("bench-lua: non2xx=%d\n", bad))
   if bad > 0 then
      io.write("bench-lua: first non-2xx response: " .. sample .. "\n")
   end
end
