-- Token bucket of a policy with a limit that warms up (after warm.lua): token_bucket.lua's decision, except that a
-- limit that warms up reads its debt clamped at c·B·T rather than B·T and an admission moves its tat by the warm-up
-- cost of the permits (WarmGcraKernel.charge) rather than n·T. State: four words per limit (warm.lua); a limit that
-- does not warm up keeps v at 0. Reply as token_bucket.lua's: per limit the debt as microseconds and rest.

local limits = (#ARGV - 3) / WARM_ARGS
local format = state_format(4 * limits)
local s = load_state(format, 4 * limits)
local admitted = 1
local reply = { now, 0 }
local after = {}
local ttl = 0
for i = 1, limits do
  local a = WARM_ARGS * (i - 1) + 4
  local base = tonumber(ARGV[a + 4])
  local inc_us = tonumber(ARGV[a])
  local cap_us, cap_ns = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local read_us, read_ns = tonumber(ARGV[a + 12]), tonumber(ARGV[a + 13])
  local w = tonumber(ARGV[a + 5])
  local debt_us, debt_ns = 0, 0
  if s and s[4 * i - 3] >= now then
    debt_us, debt_ns = s[4 * i - 3] - now, s[4 * i - 2]
    if debt_ns >= base then
      debt_ns = base - 1
    end
    if debt_us > read_us or (debt_us == read_us and debt_ns > read_ns) then
      debt_us, debt_ns = read_us, read_ns
    end
  end
  reply[2 * i + 1], reply[2 * i + 2] = debt_us, debt_ns
  if inc_us < 0 then
    admitted = 0
  else
    local d_us, d_ns = debt_us + inc_us, debt_ns + tonumber(ARGV[a + 1])
    if d_ns >= base then
      d_us, d_ns = d_us + 1, d_ns - base
    end
    if d_us > cap_us or (d_us == cap_us and d_ns > cap_ns) then
      admitted = 0
    end
    local v_us, v_ns = 0, 0
    local keep = d_us
    if d_ns > 0 then
      keep = keep + 1
    end
    if w > 0 and admitted == 1 then
      -- the warm-up cost from the base max(tat, now), which an admission never reads clamped (its debt is below B·T)
      local b = debt_us * 1000 + debt_ns
      local n, cool = tonumber(ARGV[a + 6]), tonumber(ARGV[a + 11])
      local stored
      if s then
        stored = warm_stored(b, s[4 * i - 1], s[4 * i], w, cool, tonumber(ARGV[a + 9]))
      else
        stored = tonumber(ARGV[a + 9])
      end
      local tat = b + warm_cost(stored, n, tonumber(ARGV[a + 7]), tonumber(ARGV[a + 8]), tonumber(ARGV[a + 10]))
      local v = warm_anchor(tat, math.max(0, stored - n), cool)
      d_us = math.floor(tat / 1000)
      d_ns = tat - d_us * 1000
      v_us, v_ns = split_ns(v)
      -- kept until the bucket is full and fully cold again: then it is the state of a fresh key
      keep = math.ceil(math.max(tat, v + w) / 1000)
    end
    after[4 * i - 3], after[4 * i - 2], after[4 * i - 1], after[4 * i] = d_us, d_ns, v_us, v_ns
    if keep > ttl then
      ttl = keep
    end
  end
end

if admitted == 1 then
  for i = 1, limits do
    reply[2 * i + 1], reply[2 * i + 2] = after[4 * i - 3], after[4 * i - 2]
    after[4 * i - 3] = now + after[4 * i - 3]
  end
  save_state(format, after, ttl)
else
  finish_rejected()
end
reply[2] = admitted
return reply
