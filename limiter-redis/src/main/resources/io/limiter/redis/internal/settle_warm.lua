-- Limiter: settle.lua's token bucket settlement for a policy with a limit that warms up (after warm.lua). Each tat
-- moves as settle.lua moves it; a limit that warms up keeps how cold it was: if its tat moved, v is anchored so that
-- the permits stored before stay stored at the new base (WarmGcraKernel.settle). Arguments: settle.lua's header, then
-- token_bucket_warm.lua's per limit for |delta| permits. The reply is {now}.

local sign = tonumber(ARGV[6])
local limits = (#ARGV - 6) / WARM_ARGS
local format = state_format(4 * limits)
local s = load_state(format, 4 * limits)
local fresh = false
if not s then
  if sign < 0 then
    return { now }
  end
  fresh = true
  s = {}
  for i = 1, 4 * limits do
    s[i] = 0
  end
end
local ttl = 0
for i = 1, limits do
  local a = 6 + WARM_ARGS * (i - 1) + 1
  local inc_us, inc_r = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local cap_us, cap_r = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local base = tonumber(ARGV[a + 4])
  local w = tonumber(ARGV[a + 5])
  local t, r = s[4 * i - 3], s[4 * i - 2]
  if r >= base then
    r = base - 1
  end
  local stored
  if w > 0 then
    local most = tonumber(ARGV[a + 9])
    stored = most
    if not fresh then
      local b = 0
      if t >= now then
        b = rel_ns(t, r)
      end
      stored = warm_stored(b, s[4 * i - 1], s[4 * i], w, tonumber(ARGV[a + 11]), most)
    end
  end
  local t0, r0 = t, r
  if sign < 0 then
    if t > now or (t == now and r > 0) then
      t, r = t - inc_us, r - inc_r
      if r < 0 then
        t, r = t - 1, r + base
      end
      if t < now then
        t, r = now, 0
      end
    end
  else
    if t < now then
      t, r = now, 0
    end
    t, r = t + inc_us, r + inc_r
    if r >= base then
      t, r = t + 1, r - base
    end
    local et = now + cap_us
    if t > et or (t == et and r > cap_r) then
      t, r = et, cap_r
    end
    if t < t0 or (t == t0 and r < r0) then
      t, r = t0, r0
    end
  end
  local d = t - now
  if r > 0 then
    d = d + 1
  end
  if w > 0 then
    if t ~= t0 or r ~= r0 then
      local b = 0
      if t >= now then
        b = rel_ns(t, r)
      end
      s[4 * i - 1], s[4 * i] = split_ns(warm_anchor(b, stored, tonumber(ARGV[a + 11])))
    end
    if now - s[4 * i - 1] <= w / 1000 + 1 then
      local cold = math.ceil((rel_ns(s[4 * i - 1], s[4 * i]) + w) / 1000)
      if cold > d then
        d = cold
      end
    end
  end
  s[4 * i - 3], s[4 * i - 2] = t, r
  if d > ttl then
    ttl = d
  end
end
local pttl = redis.call('PTTL', KEYS[1])
if pttl > 0 and pttl * 1000 > ttl then
  ttl = pttl * 1000
end
save_state(format, s, ttl)
return { now }
