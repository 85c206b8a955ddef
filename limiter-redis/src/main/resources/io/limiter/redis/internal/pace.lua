-- Limiter: reserves a future slot for a waiting caller (RateLimiter.acquire with a maximum wait), appended to
-- prelude.lua, state.lua and warm.lua. Token bucket only; the same state, tag and per-limit arguments as
-- token_bucket.lua (5 per limit, or warm.lua's 14 for a policy with a limit that warms up), then one more:
-- ARGV[#ARGV], the maximum wait in whole microseconds.
-- The wait is the longest over the limits of max(tat, now) + n·T - now - B·T, read unclamped (callers queue behind the
-- slots reserved before them), rounded up to whole microseconds. If it is at most the maximum wait, every limit is
-- charged as at the slot now + wait: tat = max(tat, slot) + n·T (a limit that would admit earlier still counts the
-- permits when they are used), a limit that warms up by its warm-up cost there (WarmGcraKernel.charge at the slot). A
-- wait that would take a warm limit's arithmetic beyond 2^52 ns is not granted. One call, no polling: the caller then
-- waits on its own clock.
-- Reply: {now, granted (1 or 0), per limit the debt max(tat, now) - now as microseconds and rest (after if granted,
-- before if not), the wait in µs (-1: never), 1 if there was state of this shape before (else 0), and then the words
-- of that state (the cancellation script restores them; zeros when there was none)}; for a policy with a limit that
-- warms up, if granted, then the four words per limit written (unpace.lua compares them: v cannot be derived from the
-- debts).

local per, words = warm_layout()
local limits = (#ARGV - 4) / per
local max_wait = tonumber(ARGV[#ARGV])
local format = state_format(words * limits)
local s = load_state(format, words * limits)
local wait = 0
local reply = { now, 0 }
local warm = false
for i = 1, limits do
  local a = per * (i - 1) + 4
  local o = words * (i - 1)
  local base = tonumber(ARGV[a + 4])
  local inc_us, inc_r = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local cap_us, cap_r = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  if words == 4 and tonumber(ARGV[a + 5]) > 0 then
    warm = true
  end
  local t, r = now, 0
  if s and s[o + 1] >= now then
    t, r = s[o + 1], s[o + 2]
    if r >= base then
      r = base - 1
    end
  end
  reply[2 * i + 1], reply[2 * i + 2] = t - now, r
  if inc_us < 0 then
    wait = -1
  elseif wait >= 0 then
    local w_us, w_r = t - now + inc_us - cap_us, r + inc_r - cap_r
    if w_r >= base then
      w_us, w_r = w_us + 1, w_r - base
    elseif w_r < 0 then
      w_us, w_r = w_us - 1, w_r + base
    end
    if w_r > 0 then
      w_us = w_us + 1
    end
    if w_us > wait then
      wait = w_us
    end
  end
end
local n = #reply
reply[n + 1] = wait
if wait < 0 or wait > max_wait or (warm and wait > 4503599627370) then
  finish_rejected()
  return reply
end
local slot = now + wait
local after = {}
local ttl = 0
for i = 1, limits do
  local a = per * (i - 1) + 4
  local o = words * (i - 1)
  local base = tonumber(ARGV[a + 4])
  local w = 0
  if words == 4 then
    w = tonumber(ARGV[a + 5])
  end
  local t, r = slot, 0
  if s and (s[o + 1] > slot or (s[o + 1] == slot and s[o + 2] > 0)) then
    t, r = s[o + 1], s[o + 2]
    if r >= base then
      r = base - 1
    end
  end
  local v_us, v_ns = 0, 0
  local keep
  if w > 0 then
    local b = rel_ns(t, r)
    local k, cool, most = tonumber(ARGV[a + 6]), tonumber(ARGV[a + 11]), tonumber(ARGV[a + 9])
    local stored = most
    if s then
      stored = warm_stored(b, s[o + 3], s[o + 4], w, cool, most)
    end
    local tat = b + warm_cost(stored, k, tonumber(ARGV[a + 7]), tonumber(ARGV[a + 8]), tonumber(ARGV[a + 10]))
    local v = warm_anchor(tat, math.max(0, stored - k), cool)
    t, r = split_ns(tat)
    v_us, v_ns = split_ns(v)
    keep = math.ceil(math.max(tat, v + w) / 1000)
  else
    t, r = t + tonumber(ARGV[a]), r + tonumber(ARGV[a + 1])
    if r >= base then
      t, r = t + 1, r - base
    end
    keep = t - now
    if r > 0 then
      keep = keep + 1
    end
  end
  after[o + 1], after[o + 2] = t, r
  if words == 4 then
    after[o + 3], after[o + 4] = v_us, v_ns
  end
  reply[2 * i + 1], reply[2 * i + 2] = t - now, r
  if keep > ttl then
    ttl = keep
  end
end
save_state(format, after, ttl)
reply[2] = 1
reply[n + 2] = s and 1 or 0
for i = 1, words * limits do
  reply[n + 2 + i] = s and s[i] or 0
end
if words == 4 then
  for i = 1, words * limits do
    reply[n + 2 + words * limits + i] = after[i]
  end
end
return reply
