-- Limiter: how the requests of a vector (batch.lua) read and write their state: the same three functions as
-- direct_io.lua, over a cache for the whole call. The first read of a key goes to Redis (batch.lua prefetches the
-- vector's keys with one MGET); later requests on the key see what earlier ones wrote; the writes are applied once
-- per key after the last request, each with the expiry its last writer gave it (one SET ... PX, or a DEL). That is
-- what the requests' own writes, made one after the other within this call, would have left. Per key it takes one
-- read and one write however many requests share the key: a hot key costs two commands per vector, not two per
-- request. A key whose write fails (OOM) fails every request decided on it from its first writer on (batch.lua).

-- key -> its value as the requests so far left it (false: none); nil: not read yet
local cache = {}
-- key -> the expiry (ms) of its pending write, or false for a pending delete; nil: not written
local pending = {}
-- the written keys in the order of their first write; for each key the requests that read it (in order), and the
-- first request that wrote it
local written = {}
local readers = {}
local first_writer = {}
-- the index of the request being decided (set by batch.lua)
local current = 0

local function get_state(key)
  local r = readers[key]
  if not r then
    readers[key] = { current }
  elseif r[#r] ~= current then
    r[#r + 1] = current
  end
  local v = cache[key]
  if v == nil then
    -- a first read, or a key the prefetch found no string for: GET tells empty from another type (WRONGTYPE)
    v = redis.call('GET', key)
    cache[key] = v
  end
  return v
end

local function note_write(key, ttl)
  if pending[key] == nil then
    written[#written + 1] = key
    first_writer[key] = current
  end
  pending[key] = ttl
end

-- the requests decided on what a key's pending write holds: every one that read the key from its first writer on
-- (if that write fails, they were decided on state that was never stored)
local function decided_on_write(key)
  local list = {}
  for _, i in ipairs(readers[key]) do
    if i >= first_writer[key] then
      list[#list + 1] = i
    end
  end
  return list
end

local function set_state(key, value, ttl)
  cache[key] = value
  note_write(key, ttl)
end

local function del_state(key)
  cache[key] = false
  note_write(key, false)
end
