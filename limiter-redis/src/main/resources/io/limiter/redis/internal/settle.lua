-- Limiter: settles a reservation (appended to prelude.lua, state.lua and warm.lua). A reservation took n permits with
-- the algorithm's script at the time ARGV[5]; settling it to another cost refunds or charges the difference |delta|,
-- exactly as the in-memory kernels do (LimitKernel.settle):
--   token bucket   a refund moves each tat back by |delta|·T, never before now (never fuller than full); an extra
--                  charge moves it forward from max(tat, now), at most to now + B·T (an empty bucket), never back;
--                  a limit that warms up keeps how cold it was: if its tat moved, v is anchored so that the permits
--                  stored before stay stored at the new base (WarmGcraKernel.settle)
--   fixed window   a refund takes |delta| off the count if the stored window is the one charged; an extra charge
--                  counts in the window that counts now, up to the permits
--   sliding window a refund takes |delta| off the window charged: the stored current count if the state is still in
--                  it, the stored previous count if the state has moved on to the next window, else nothing; an
--                  extra charge counts in the current window, up to the permits
-- A refund of a key with no state (it expired: it was full again) or with state of another shape is a no-op; an
-- extra charge starts from empty state then. The expiry is never shortened.
-- ARGV[4] the algorithm's letter (g; w: a token bucket with a warm-up; f; s), ARGV[5] the time of the charge (µs),
-- ARGV[6] 1 to charge, -1 to refund; then per limit the arguments its algorithm's script takes for a request of
-- |delta| permits (|delta| at most the limit's capacity). The reply is {now}.

local letter = ARGV[4]
local at = tonumber(ARGV[5])
local sign = tonumber(ARGV[6])
local per = 3
local words = 2
local bucket = letter == 'g' or letter == 'w'
if bucket then
  per, words = warm_layout()
elseif letter == 's' then
  words = 3
end
local limits = (#ARGV - 6) / per
local format = state_format(words * limits)
local s = load_state(format, words * limits)
local fresh = false
if not s then
  if sign < 0 then
    return { now }
  end
  fresh = true
  s = {}
  for i = 1, words * limits do
    s[i] = 0
  end
end
local ttl = 0
for i = 1, limits do
  local a = 6 + per * (i - 1) + 1
  if bucket then
    local o = words * (i - 1)
    local inc_us, inc_r = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
    local cap_us, cap_r = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
    local base = tonumber(ARGV[a + 4])
    local w = 0
    if words == 4 then
      w = tonumber(ARGV[a + 5])
    end
    local t, r = s[o + 1], s[o + 2]
    if r >= base then
      r = base - 1
    end
    -- a limit that warms up: the permits stored at the base before the move, kept stored at the new base
    local stored
    if w > 0 then
      local most = tonumber(ARGV[a + 9])
      stored = most
      if not fresh then
        local b = 0
        if t >= now then
          b = rel_ns(t, r)
        end
        stored = warm_stored(b, s[o + 3], s[o + 4], w, tonumber(ARGV[a + 11]), most)
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
        s[o + 3], s[o + 4] = split_ns(warm_anchor(b, stored, tonumber(ARGV[a + 11])))
      end
      if now - s[o + 3] <= w / 1000 + 1 then
        local cold = math.ceil((rel_ns(s[o + 3], s[o + 4]) + w) / 1000)
        if cold > d then
          d = cold
        end
      end
    end
    s[o + 1], s[o + 2] = t, r
    if d > ttl then
      ttl = d
    end
  elseif letter == 'f' then
    local w, permits, n = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local index, count = s[2 * i - 1], s[2 * i]
    if sign < 0 then
      if count > 0 and index == fdiv(at, w) then
        count = math.max(0, count - n)
      end
    else
      local current = fdiv(now, w)
      if count == 0 or current > index then
        index, count = current, 0
      end
      if count < permits then
        count = math.min(permits, count + n)
      end
    end
    s[2 * i - 1], s[2 * i] = index, count
    local until_end = (index + 1) * w - now
    if until_end > ttl then
      ttl = until_end
    end
  else
    local w, permits, n = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local index, curr, prev = s[3 * i - 2], s[3 * i - 1], s[3 * i]
    if sign < 0 then
      local charged = fdiv(at, w)
      if index == charged then
        curr = math.max(0, curr - n)
      elseif index == charged + 1 then
        prev = math.max(0, prev - n)
      end
    else
      local current = fdiv(now, w)
      if curr == 0 and prev == 0 then
        index = current
      elseif current > index then
        if current == index + 1 then
          prev = curr
        else
          prev = 0
        end
        curr, index = 0, current
      end
      if curr < permits then
        curr = math.min(permits, curr + n)
      end
    end
    s[3 * i - 2], s[3 * i - 1], s[3 * i] = index, curr, prev
    local full = index * w + 2 * w - now
    if full > ttl then
      ttl = full
    end
  end
end
local pttl = redis.call('PTTL', KEYS[1])
if pttl > 0 and pttl * 1000 > ttl then
  ttl = pttl * 1000
end
save_state(format, s, ttl)
return { now }
