/**
 * The Lua scripts of the work streams (queues and pool tasks), each one atomic step on the
 * server. A work stream is a Redis stream read through one consumer group ("g"): an entry
 * is an item put and not yet finished; a delivered entry sits in the group's pending list
 * under its consumer until that consumer acknowledges it. Field names of an entry:
 * `d` the item's bytes (the library's codec), `n` how many times a consumer holding it was
 * lost, and for pool tasks `k` the task's key in its call and `r` the stream its result goes to.
 *
 * Consumers register in a hash (`c`): name → "runId mainClientId readerClientId processes
 * beatMs", the beat time in the server's clock. A consumer is taken for lost when its
 * connection is gone from the server it registered on (the janitor asks CLIENT LIST, which
 * a script cannot) or when it has not beaten for `minIdle` ms; its entries are then put
 * back as new entries (so that blocked readers wake for them), or, once lost
 * `maxDeliveries` times, moved to the dead-letter stream, with a failed result for a pool
 * task. Acknowledgements check the owner first: a consumer that was taken for lost (paused,
 * cut off) cannot acknowledge an entry that was handed to another, so an item's
 * completion is recorded once.
 *
 * Scripts read the server's clock (TIME) and may write a result stream named in an entry
 * (`r`) that is not among their KEYS: fine on a single server (Redis 7 replicates a
 * script's effects, not the script), and the name shares the stream's hash tag.
 * @module
 */
import { Script } from "./client.ts";

/** The consumer group every work stream is read through. */
export const GROUP = "g";

/**
 * Lua helpers of the owner-checked scripts (KEYS[1] is the stream): whether entry `id` is
 * pending for `consumer`; and finishing it (acknowledged and deleted) when it is, after
 * `record()` if given, returning 1, else 0.
 */
const OWNER_CHECK = `
local function isMine(id, consumer)
  return #redis.call('XPENDING', KEYS[1], '${GROUP}', id, id, 1, consumer) == 1
end
local function finishIfMine(id, consumer, record)
  if not isMine(id, consumer) then return 0 end
  if record then record() end
  redis.call('XACK', KEYS[1], '${GROUP}', id)
  redis.call('XDEL', KEYS[1], id)
  return 1
end
`;

/**
 * Lua helper (KEYS[1] is the stream): takes entry `id` out of the stream (acknowledged and
 * deleted); returns its fields, or nil when it was deleted meanwhile.
 */
const TAKE = `
local function take(id)
  local entry = redis.call('XRANGE', KEYS[1], id, id)
  redis.call('XACK', KEYS[1], '${GROUP}', id)
  if #entry == 0 then return nil end
  redis.call('XDEL', KEYS[1], id)
  return entry[1][2]
end
`;

/** Lua: `now`, the server's clock in ms (heartbeats are judged by one clock, the server's). */
const NOW = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
`;

/**
 * Bounded put. KEYS: stream. ARGV: maxsize, fields per entry k, k field names, then k
 * values per entry. Adds the entries that fit (items put and not yet taken, XLEN minus the
 * pending count, stay below maxsize), in order; returns how many it added.
 */
export const PUT_BOUNDED = new Script(`
local maxsize = tonumber(ARGV[1])
local k = tonumber(ARGV[2])
local ok, summary = pcall(redis.call, 'XPENDING', KEYS[1], '${GROUP}')
local pending = ok and summary[1] or 0
local room = maxsize - (redis.call('XLEN', KEYS[1]) - pending)
local added = 0
local at = 3 + k
while at <= #ARGV and added < room do
  local fields = {}
  for j = 1, k do
    fields[#fields + 1] = ARGV[2 + j]
    fields[#fields + 1] = ARGV[at + j - 1]
  end
  redis.call('XADD', KEYS[1], '*', unpack(fields))
  added = added + 1
  at = at + k
end
return added
`);

/**
 * Adds pool tasks once each, in order: an add sent again after a lost connection (whose
 * first try may or may not have run) finds its tasks added already. One call adds a whole
 * batch, so the batch costs one durable write on the server. KEYS: task stream, the
 * caller's hash of added tasks (key → entry id). ARGV: result stream `r`, TTL ms of the
 * hash, then per task its key `k` and its bytes `d`. Returns the tasks' entry ids.
 */
export const ADD_TASKS_ONCE = new Script(`
local ids = {}
for i = 3, #ARGV, 2 do
  local id = redis.call('HGET', KEYS[2], ARGV[i])
  if not id then
    id = redis.call('XADD', KEYS[1], '*', 'k', ARGV[i], 'r', ARGV[1], 'd', ARGV[i + 1])
    redis.call('HSET', KEYS[2], ARGV[i], id)
  end
  ids[#ids + 1] = id
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return ids
`);

/**
 * Owner-checked acknowledgement: the entry is finished. KEYS: stream. ARGV: consumer, ids.
 * Returns, per id, 1 when it was this consumer's and is now acknowledged and deleted, 0 when
 * it was not (handed to another after this consumer was taken for lost).
 */
export const ACK = new Script(`${OWNER_CHECK}
local out = {}
for i = 2, #ARGV do out[#out + 1] = finishIfMine(ARGV[i], ARGV[1]) end
return out
`);

/**
 * Owner-checked completion of pool tasks: the result is recorded and the task finished in
 * one step, or neither. KEYS: task stream, then one result stream per task. ARGV:
 * consumer, result TTL ms, then per task its id, its key `k` and the result's bytes.
 * Returns 1 or 0 per task, as {@link ACK}.
 */
export const COMPLETE = new Script(`${OWNER_CHECK}
local out = {}
for i = 2, #KEYS do
  local at = 3 + (i - 2) * 3
  out[#out + 1] = finishIfMine(ARGV[at], ARGV[1], function()
    redis.call('XADD', KEYS[i], '*', 'k', ARGV[at + 1], 'd', ARGV[at + 2])
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end)
end
return out
`);

/**
 * Hands entries back (a consumer that stops, or entries a read brought for a getter that
 * gave up): each one this consumer holds is put back as a new entry, its count of losses
 * unchanged. KEYS: stream. ARGV: consumer, then ids, or none for every entry it holds.
 * Returns how many it put back.
 */
export const RELEASE = new Script(`${OWNER_CHECK}${TAKE}
local function putBack(id)
  local fields = take(id)
  if not fields then return 0 end
  redis.call('XADD', KEYS[1], '*', unpack(fields))
  return 1
end
local count = 0
if #ARGV > 1 then
  for i = 2, #ARGV do
    if isMine(ARGV[i], ARGV[1]) then count = count + putBack(ARGV[i]) end
  end
  return count
end
local ok, held = pcall(redis.call, 'XPENDING', KEYS[1], '${GROUP}', '-', '+', 1000, ARGV[1])
while ok and #held > 0 do
  for _, entry in ipairs(held) do count = count + putBack(entry[1]) end
  held = redis.call('XPENDING', KEYS[1], '${GROUP}', '-', '+', 1000, ARGV[1])
end
return count
`);

/**
 * A consumer's heartbeat (and registration). KEYS: consumers hash. ARGV: consumer, its
 * record without the beat time. Returns 1 when it was registered already, 0 when it was
 * not (new, or taken for lost meanwhile).
 */
export const BEAT = new Script(`${NOW}return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. now) == 0 and 1 or 0
`);

/**
 * A consumer leaves: it is unregistered and removed from the group (after {@link RELEASE}
 * of what it held). KEYS: stream, consumers hash. ARGV: consumer.
 */
export const LEAVE = new Script(`
redis.call('HDEL', KEYS[2], ARGV[1])
local ok, held = pcall(redis.call, 'XPENDING', KEYS[1], '${GROUP}', '-', '+', 1, ARGV[1])
if ok and #held == 0 then redis.call('XGROUP', 'DELCONSUMER', KEYS[1], '${GROUP}', ARGV[1]) end
return 1
`);

/**
 * The janitor's turn, taken by one process at a time: KEYS: lease key, consumers hash.
 * ARGV: taker, lease ms. Returns the consumers hash (flat) when this taker holds the lease
 * for the next `lease ms`, nil when another does.
 */
export const JANITOR_TURN = new Script(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('HGETALL', KEYS[2])
end
return false
`);

/**
 * Puts back or dead-letters the entries of lost consumers. KEYS: stream, consumers hash,
 * dead-letter stream. ARGV: minIdle ms, maxDeliveries, the server's run id, result TTL ms,
 * then the client ids the janitor found gone. A registered consumer is lost when it has not
 * beaten for minIdle ms, or when it registered on this server run and its connection is
 * gone; a member of the group that is not registered (taken for lost earlier, its stale
 * blocked read served since) is lost too. Returns {put back, dead-lettered, client ids of
 * the lost consumers to disconnect…}.
 */
export const RECLAIM = new Script(`${NOW}${TAKE}local minIdle = tonumber(ARGV[1])
local maxDeliveries = tonumber(ARGV[2])
local run = ARGV[3]
local ttl = ARGV[4]
local gone = {}
for i = 5, #ARGV do gone[ARGV[i]] = true end
local registered, lost, disconnect = {}, {}, {}
local records = redis.call('HGETALL', KEYS[2])
for i = 1, #records, 2 do
  local name = records[i]
  local recRun, main, reader, procs, beat = string.match(records[i + 1], '^(%S+) (%S+) (%S+) (%S+) (%S+)$')
  local stale = beat == nil or now - tonumber(beat) > minIdle
  if stale or (recRun == run and gone[main]) then
    lost[name] = true
    redis.call('HDEL', KEYS[2], name)
    if recRun == run then
      disconnect[#disconnect + 1] = main
      disconnect[#disconnect + 1] = reader
    end
  else
    registered[name] = true
  end
end
local putBack, deadLettered = 0, 0
local function reclaimEntry(id)
  local source = take(id)
  if not source then return end
  local fields, losses, reply, key = {}, 1, nil, nil
  for j = 1, #source, 2 do
    local f, v = source[j], source[j + 1]
    if f == 'n' then
      losses = tonumber(v) + 1
    else
      if f == 'r' then reply = v elseif f == 'k' then key = v end
      fields[#fields + 1] = f
      fields[#fields + 1] = v
    end
  end
  fields[#fields + 1] = 'n'
  fields[#fields + 1] = tostring(losses)
  if losses >= maxDeliveries then
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000, '*', unpack(fields))
    if reply and key then
      redis.call('XADD', reply, '*', 'k', key, 'dead', tostring(losses))
      redis.call('PEXPIRE', reply, ttl)
    end
    deadLettered = deadLettered + 1
  else
    redis.call('XADD', KEYS[1], '*', unpack(fields))
    putBack = putBack + 1
  end
end
local ok, members = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], '${GROUP}')
if ok then
  for _, member in ipairs(members) do
    local name, pending
    for j = 1, #member, 2 do
      if member[j] == 'name' then name = member[j + 1] elseif member[j] == 'pending' then pending = member[j + 1] end
    end
    if not registered[name] then
      if pending > 0 then
        repeat
          local held = redis.call('XPENDING', KEYS[1], '${GROUP}', '-', '+', 100, name)
          for _, h in ipairs(held) do reclaimEntry(h[1]) end
        until #held < 100
      end
      redis.call('XGROUP', 'DELCONSUMER', KEYS[1], '${GROUP}', name)
    end
  end
end
local out = {putBack, deadLettered}
for _, id in ipairs(disconnect) do out[#out + 1] = id end
return out
`);

/** KEYS: stream. Returns {XLEN, pending}: entries unfinished, and of them those taken. */
export const SIZES = new Script(`
local ok, summary = pcall(redis.call, 'XPENDING', KEYS[1], '${GROUP}')
return {redis.call('XLEN', KEYS[1]), ok and summary[1] or 0}
`);
