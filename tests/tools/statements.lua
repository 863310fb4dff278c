-- wrk script for test_api_concurrent.sh: every connection asks for the
-- statements of the customers in turn; every answer is compared with the
-- serial one (the files in STATEMENTS_DIR, named by customer). Each thread
-- stops after PER_THREAD answers and touches DONE_DIR/<id>; the test then
-- interrupts wrk, whose done() prints one line of counts.
local dir = os.getenv("STATEMENTS_DIR")
local per_thread = tonumber(os.getenv("PER_THREAD"))
local customers = {}
for c in string.gmatch(os.getenv("CUSTOMERS"), "%S+") do customers[#customers + 1] = c end

local threads = {}
local next_id = 0
function setup(thread)
    next_id = next_id + 1
    thread:set("id", next_id)
    threads[#threads + 1] = thread
end

-- globals, so that done() can read them from each thread (thread:get)
expected, requests, answers, bad_status, mismatched = {}, {}, 0, 0, 0
function init(args)
    for i, c in ipairs(customers) do
        local f = assert(io.open(dir .. "/" .. c .. ".json", "rb"))
        expected[f:read("*a")] = c
        f:close()
        requests[i] = wrk.format("GET", "/v1/statement?period=" .. os.getenv("PERIOD") ..
                                 "&customer=" .. c,
                                 {["Authorization"] = "Bearer " .. os.getenv("KEY")})
        _G["by_" .. c] = 0
    end
end

local turn = 0
function request()
    turn = turn % #requests + 1
    return requests[turn]
end

function response(status, headers, body)
    -- stop() takes effect after the answers already in flight on the
    -- thread's other connections: those are still checked, not counted
    local extra = answers >= per_thread
    if not extra then answers = answers + 1 end
    if status ~= 200 then
        bad_status = bad_status + 1
    elseif expected[body] then
        if extra then return end
        local k = "by_" .. expected[body]
        _G[k] = _G[k] + 1
    else
        mismatched = mismatched + 1
    end
    if answers == per_thread and not extra then
        local f = io.open(os.getenv("DONE_DIR") .. "/" .. id, "w")
        if f then f:close() end
        wrk.thread:stop()
    end
end

function done(summary, latency, reqs)
    local a, s, m, per = 0, 0, 0, {}
    for _, t in ipairs(threads) do
        a = a + t:get("answers")
        s = s + t:get("bad_status")
        m = m + t:get("mismatched")
        for _, c in ipairs(customers) do
            per[c] = (per[c] or 0) + t:get("by_" .. c)
        end
    end
    local line = string.format("answers %d non_200 %d mismatched %d", a, s, m)
    for _, c in ipairs(customers) do line = line .. string.format(" %s %d", c, per[c]) end
    io.write(line .. "\n")
end

