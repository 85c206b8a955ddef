-- Limiter: gives a slot reserved by pace.lua back (appended to prelude.lua and state.lua), only while it is the last
-- reservation on the key: if the stored state is exactly the one the reservation wrote, the state before it is
-- restored (or the key deleted, if there was none), keeping the expiry; otherwise nothing changes (returning a slot
-- that later callers have been queued behind would let a later caller run together with one already promised its
-- slot). ARGV[4] the number of state words w, ARGV[5..4+w] the words written, ARGV[5+w] 1 if there was state before,
-- then its w words. Reply: {now, 1 if given back else 0}.

local w = tonumber(ARGV[4])
local format = state_format(w)
local s = load_state(format, w)
if not s then
  return { now, 0 }
end
for i = 1, w do
  if s[i] ~= tonumber(ARGV[4 + i]) then
    return { now, 0 }
  end
end
if ARGV[5 + w] == '1' then
  local before = {}
  for i = 1, w do
    before[i] = tonumber(ARGV[5 + w + i])
  end
  -- keeps the expiry (the restored state is full no later than the one it replaces); PTTL + PX rather than KEEPTTL,
  -- which needs Redis 6.0 (the scripts support 5.0)
  local pttl = redis.call('PTTL', KEYS[1])
  if pttl > 0 then
    redis.call('SET', KEYS[1], tag .. struct.pack(format, unpack(before)), 'PX', pttl)
  else
    redis.call('SET', KEYS[1], tag .. struct.pack(format, unpack(before)))
  end
else
  redis.call('DEL', KEYS[1])
end
return { now, 1 }
