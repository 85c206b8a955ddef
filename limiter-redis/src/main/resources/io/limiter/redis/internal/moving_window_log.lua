-- Limiter: the log of a moving window on Redis (appended to prelude.lua and state.lua, before moving_window.lua or
-- moving_window_settle.lua). Like the in-memory kernel, each limit keeps a ring of the times (µs) of the last permits
-- taken, in time order, newest at `head`; a permit is logged at max(now, newest), so the ring stays ordered when the
-- clock goes back. The log's size C is the permits of the policy's own limit when the state was made; a call with more permits decides
-- as if it had C (the log proves no more). C is at most 10000 (Algorithm.MOVING_WINDOW_MAX_PERMITS).
--
-- KEYS[1] "<tag>:" then, per limit in canonical order, a header of three big-endian doubles (C, number of entries,
-- ring position of the newest) followed by C doubles (the ring). One value per client and policy, read whole with
-- GET and changed in place with SETRANGE: a charge of n writes about 8·n bytes, whatever C is.
-- Per limit 4 arguments: W in microseconds, the permits P, the permits n of this call, and the size C of a new log
-- (the permits of the policy's own limit: a view, such as a step level, decides on the policy's log); from ARGV[4]
-- when deciding, from ARGV[7] when settling (ARGV[4] is then the letter: m, or c for a concurrency limit, whose
-- entries are leases: the time each call in flight started, counting for the lease W; a settlement returns them).

local base = 3
if ARGV[4] == 'm' or ARGV[4] == 'c' then
  base = 6
end
local limits = (#ARGV - base) / 4

-- the k-th argument (1: W, 2: P, 3: n, 4: C) of limit i
local function arg(i, k)
  return tonumber(ARGV[base + 4 * (i - 1) + k])
end
local v = redis.call('GET', KEYS[1])
local logs = {}

-- parses the stored value into logs[i] = {cap, count, head, at (byte offset of the header, from 1)}; nil if there is
-- none or it is of another shape (foreign: deleted by a rejection, replaced by a charge)
local function read_logs()
  if not v then
    return false
  end
  if string.sub(v, 1, #tag) ~= tag then
    foreign = true
    return false
  end
  local pos = #tag + 1
  for i = 1, limits do
    local cap, count, head
    if pos + 23 <= #v then
      cap, count, head = struct.unpack('>ddd', v, pos)
    end
    if not cap or cap < 1 or cap > 10000 or cap ~= math.floor(cap) or count < 0 or count > cap
        or count ~= math.floor(count) or head < 0 or head >= cap or head ~= math.floor(head) then
      break
    end
    logs[i] = { cap = cap, count = count, head = head, at = pos }
    pos = pos + 24 + 8 * cap
  end
  if #logs ~= limits or pos ~= #v + 1 then
    logs = {}
    foreign = true
    return false
  end
  return true
end

-- an empty log for each limit, sized by the permits of the policy whose state this is, and the value that holds them
local function new_logs()
  local parts = { tag }
  local pos = #tag + 1
  for i = 1, limits do
    local cap = arg(i, 4)
    logs[i] = { cap = cap, count = 0, head = 0, at = pos }
    parts[#parts + 1] = struct.pack('>ddd', cap, 0, 0) .. string.rep('\0', 8 * cap)
    pos = pos + 24 + 8 * cap
  end
  v = table.concat(parts)
  redis.call('SET', KEYS[1], v)
end

-- the j-th newest entry of log l as read (0 <= j < the count as read)
local function stored(l, j)
  local slot = (l.head - j) % l.cap
  return (struct.unpack('>d', v, l.at + 24 + 8 * slot))
end

-- the j-th newest entry as it is after `l.shift` entries were logged at `l.t` by this call
local function entry(l, j)
  local shift = l.shift or 0
  if j < shift then
    return l.t
  end
  return stored(l, j - shift)
end

-- the number of entries that count at now (younger than w): a binary search, entries being newest first
local function live(l, w)
  local lo, hi = 0, l.count
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if now - entry(l, mid) < w then
      lo = mid + 1
    else
      hi = mid
    end
  end
  return lo
end

-- microseconds until the j-th newest entry stops counting; 0 if there is none or it no longer counts
local function expiry(l, j, w)
  if j < 0 or j >= l.count then
    return 0
  end
  local d = entry(l, j) + w - now
  if d < 0 then
    return 0
  end
  return d
end

-- writes values (oldest first) into consecutive ring slots of log l from slot `first`, wrapping at most once
local function write_slots(l, first, values)
  local n = #values
  if n == 0 then
    return
  end
  first = first % l.cap
  local k = math.min(n, l.cap - first)
  local packed = {}
  for i = 1, n do
    packed[i] = struct.pack('>d', values[i])
  end
  redis.call('SETRANGE', KEYS[1], l.at + 23 + 8 * first, table.concat(packed, '', 1, k))
  if k < n then
    redis.call('SETRANGE', KEYS[1], l.at + 23, table.concat(packed, '', k + 1, n))
  end
end

-- logs n permits in log l (the caller checked there is room): at max(now, newest), into the slots after the newest.
-- l.head keeps the position as read (stored() reads the value as read); the new one is l.next_head
local function log_permits(l, n)
  local t = now
  if l.count > 0 then
    t = math.max(now, stored(l, 0))
  end
  n = math.min(n, l.cap)
  local values = {}
  for i = 1, n do
    values[i] = t
  end
  write_slots(l, l.head + 1, values)
  l.next_head = (l.head + n) % l.cap
  l.shift, l.t = n, t
  l.count = math.min(l.cap, l.count + n)
end

-- writes the header of log l as it is now
local function write_header(l)
  redis.call('SETRANGE', KEYS[1], l.at - 1, struct.pack('>ddd', l.cap, l.count, l.next_head or l.head))
end

-- sets the expiry: until the newest entry of every log is a window old (and at least the least expiry), never
-- shortened; +1 ms for the rounding to milliseconds, as save_state does
local function expire_logs()
  local ttl = 0
  for i = 1, limits do
    local d = expiry(logs[i], 0, arg(i, 1))
    if d > ttl then
      ttl = d
    end
  end
  local ms = fdiv(ttl + 999, 1000) + 1
  if ms < min_ttl then
    ms = min_ttl
  end
  local pttl = redis.call('PTTL', KEYS[1])
  if pttl > ms then
    ms = pttl
  end
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ms))
end
