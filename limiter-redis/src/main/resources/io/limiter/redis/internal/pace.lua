-- Limiter: reserves a future slot for a waiting caller (RateLimiter.acquire with a maximum wait), appended to
-- prelude.lua and state.lua. Token bucket only; the same state, tag and per-limit arguments as token_bucket.lua
-- (5 per limit), then one more: ARGV[#ARGV], the maximum wait in whole microseconds.
-- The wait is the longest over the limits of max(tat, now) + n·T - now - B·T, read unclamped (callers queue behind the
-- slots reserved before them), rounded up to whole microseconds. If it is at most the maximum wait, every limit is
-- charged as at the slot now + wait: tat = max(tat, slot) + n·T (a limit that would admit earlier still counts the
-- permits when they are used). One call, no polling: the caller then waits on its own clock.
-- Reply: {now, granted (1 or 0), per limit the debt max(tat, now) - now as microseconds and rest (after if granted,
-- before if not), the wait in µs (-1: never), 1 if there was state of this shape before (else 0), and then the words
-- of that state (the cancellation script restores them; zeros when there was none)}.

local limits = (#ARGV - 4) / 5
local max_wait = tonumber(ARGV[#ARGV])
local format = state_format(2 * limits)
local s = load_state(format, 2 * limits)
local wait = 0
local reply = { now, 0 }
for i = 1, limits do
  local a = 5 * i - 1
  local base = tonumber(ARGV[a + 4])
  local inc_us, inc_r = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local cap_us, cap_r = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local t, r = now, 0
  if s and s[2 * i - 1] >= now then
    t, r = s[2 * i - 1], s[2 * i]
    if r >= base then
      r = base - 1
    end
  end
  reply[2 * i + 1], reply[2 * i + 2] = t - now, r
  if inc_us < 0 then
    wait = -1
  elseif wait >= 0 then
    local w_us, w_r = t - now + inc_us - cap_us, r + tonumber(ARGV[a + 1]) - cap_r
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
if wait < 0 or wait > max_wait then
  finish_rejected()
  return reply
end
local slot = now + wait
local after = {}
local ttl = 0
for i = 1, limits do
  local a = 5 * i - 1
  local base = tonumber(ARGV[a + 4])
  local t, r = slot, 0
  if s and (s[2 * i - 1] > slot or (s[2 * i - 1] == slot and s[2 * i] > 0)) then
    t, r = s[2 * i - 1], s[2 * i]
    if r >= base then
      r = base - 1
    end
  end
  t, r = t + tonumber(ARGV[a]), r + tonumber(ARGV[a + 1])
  if r >= base then
    t, r = t + 1, r - base
  end
  after[2 * i - 1], after[2 * i] = t, r
  reply[2 * i + 1], reply[2 * i + 2] = t - now, r
  local d = t - now
  if r > 0 then
    d = d + 1
  end
  if d > ttl then
    ttl = d
  end
end
save_state(format, after, ttl)
reply[2] = 1
if s then
  reply[n + 2] = 1
  for i = 1, 2 * limits do
    reply[n + 2 + i] = s[i]
  end
else
  reply[n + 2] = 0
  for i = 1, 2 * limits do
    reply[n + 2 + i] = 0
  end
end
return reply
