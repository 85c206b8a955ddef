-- Limiter: how a vector script (batch.lua, token_bucket_vector.lua) replies for a request whose command failed: the
-- message as Redis answers it for a single call, without the script position some errors are given.
local function message(err)
  if type(err) == 'table' then
    err = err.err
  end
  return { (string.gsub(tostring(err), '^@[%w_]+: ?%d+: %-?', '')) }
end
