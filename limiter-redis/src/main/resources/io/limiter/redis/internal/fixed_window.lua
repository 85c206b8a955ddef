-- Fixed window, like the in-memory kernel: windows [k·W, (k+1)·W) on the microsecond clock, one count per window.
-- A stored window later than the current one (the clock went backwards) keeps counting: never a refill. A count
-- above the permits (written under larger limits of the same shape) is clamped to the permits.
-- Per limit (3 arguments): W in microseconds, the permits per window, the permits requested.
-- State: window index, count. Reply words: the count, and the microseconds until the counted window ends.

local limits = (#ARGV - 3) / 3
local format = state_format(2 * limits)
local s = load_state(format, 2 * limits)
local admitted = 1
local reply = { now, 0 }
local state = {}
local ttl = 0
for i = 1, limits do
  local a = 3 * i + 1
  local w, permits, n = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local index, count = fdiv(now, w), 0
  if s and s[2 * i] > 0 and s[2 * i - 1] >= index then
    index, count = s[2 * i - 1], s[2 * i]
    if count > permits then
      count = permits
    end
  end
  if count + n > permits then
    admitted = 0
  end
  local until_end = (index + 1) * w - now
  state[2 * i - 1], state[2 * i] = index, count + n
  reply[2 * i + 1], reply[2 * i + 2] = count, until_end
  if until_end > ttl then
    ttl = until_end
  end
end

if admitted == 1 then
  save_state(format, state, ttl)
  for i = 1, limits do
    reply[2 * i + 1] = state[2 * i]
  end
else
  finish_rejected()
end
reply[2] = admitted
return reply
