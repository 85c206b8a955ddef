-- Limiter: how the requests of a vector (batch.lua) read and write their state: the same three functions as
-- direct_io.lua, over a cache for the whole call. The first read of a key goes to Redis (batch.lua prefetches the
-- vector's keys with one MGET); later requests on the key see what earlier ones wrote, as words: a value is decoded
-- at most once per call and encoded once, after the last request, when the writes are applied once per key, each
-- with the expiry its last writer gave it (one SET ... PX, or a DEL). That is what the requests' own writes, made one
-- after the other within this call, would have left (the words are doubles holding integers below 2^53, which
-- struct.pack and struct.unpack carry exactly). Per key it takes one read and one write however many requests share
-- the key: a hot key costs two commands and one decoding and encoding per vector, not per request. A key whose write
-- fails (OOM) fails every request decided on it from its first writer on (batch.lua).

-- key -> its state as the requests so far left it: false (none), the stored string (read, not decoded yet), or
-- {tag, format, words...} (decoded, or written by a request); nil: not read yet
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

local function read_words(key, tag, format, n)
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
  if not v then
    return nil
  end
  if type(v) == 'string' then
    -- as direct_io.lua reads it; a value of another shape stays a string (another request may read it by its tag)
    if #v ~= #tag + 8 * n or string.sub(v, 1, #tag) ~= tag then
      return false
    end
    v = { tag, format, struct.unpack(format, v, #tag + 1) }
    cache[key] = v
  elseif v[1] ~= tag or v[2] ~= format then
    -- written under another tag or length in this call (a tag ends with its only ':', so as a string neither could
    -- begin with the other: another shape, as direct_io.lua would find)
    return false
  end
  -- a copy: the caller may change its table, the cache keeps what was stored
  local copy = {}
  for i = 1, n do
    copy[i] = v[i + 2]
  end
  return copy
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

local function write_words(key, tag, format, ttl, ...)
  cache[key] = { tag, format, ... }
  note_write(key, ttl)
end

local function del_state(key)
  cache[key] = false
  note_write(key, false)
end

-- the value a pending write stores
local function encoded(key)
  local v = cache[key]
  return v[1] .. struct.pack(v[2], unpack(v, 3))
end
