-- Every second request goes to /limited, which each rate-limiting variant guards with an exhausted limit:
-- half of the load takes the reject path.
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/limited")
  end
  return wrk.format("GET", "/hello")
end
