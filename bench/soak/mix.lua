-- bench/soak/mix.lua: wrk request mix for the leak soak, every lab route
-- and its error answers, in fixed proportions (out of 100):
--   35 GET /            10 GET /hit          8 GET /info
--   12 POST /echo (JSON) 5 GET /sleep/0      2 GET /cpu/1
--    3 GET /?id=N&sleep=0                    5 GET /nope/N (404)
--    3 DELETE /hit (405) 3 GET /sleep/x (400) 3 POST /echo bad JSON (400)
--    3 GET /?id=x (400)  3 POST /echo 8 KiB JSON  3 GET /info?a=...&b=...
--    2 GET with 20 extra header fields
local n = 0
local big = '{"k":"' .. string.rep("x", 8180) .. '"}'
local hdrs = {}
for i = 1, 20 do hdrs["X-Soak-" .. i] = string.rep("v", 40) end

request = function()
	n = n + 1
	local k = n % 100
	if k < 35 then return wrk.format("GET", "/")
	elseif k < 45 then return wrk.format("GET", "/hit")
	elseif k < 53 then return wrk.format("GET", "/info")
	elseif k < 65 then
		return wrk.format("POST", "/echo",
		    { ["Content-Type"] = "application/json" },
		    '{"a":[1,2,{"b":"c"}],"n":' .. n .. '}')
	elseif k < 70 then return wrk.format("GET", "/sleep/0")
	elseif k < 72 then return wrk.format("GET", "/cpu/1")
	elseif k < 75 then return wrk.format("GET", "/?id=" .. n .. "&sleep=0")
	elseif k < 80 then return wrk.format("GET", "/nope/" .. n)
	elseif k < 83 then return wrk.format("DELETE", "/hit")
	elseif k < 86 then return wrk.format("GET", "/sleep/x")
	elseif k < 89 then return wrk.format("POST", "/echo", nil, "{not json")
	elseif k < 92 then return wrk.format("GET", "/?id=x")
	elseif k < 95 then return wrk.format("POST", "/echo", nil, big)
	elseif k < 98 then
		return wrk.format("GET", "/info?a=" .. n .. "&b=" ..
		    string.rep("q", 200))
	else return wrk.format("GET", "/", hdrs)
	end
end
