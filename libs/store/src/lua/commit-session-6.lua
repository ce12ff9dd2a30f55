--[[
  Commits one batch of a session's events, atomically, if nobody else wrote since the writer
  read the session (optimistic concurrency on `version`), and, for an implicit create, if the
  session was not deleted or expired (its tombstone). Either everything below is written, or
  nothing is. Every commit renews the session's expiry: all its keys expire together after
  `retentionMs` without a commit, and the life key (the tombstone) `tombstoneMs` later.

  All six keys share the session's Redis Cluster hash tag `{tenant:sessionId}`, so the script
  runs on one slot.

  Input:
    KEYS[1] state      HASH    `version` (integer, >= 1) and `session` (PersistedSession JSON)
    KEYS[2] events     LIST    EventRecord JSON; list index == seq
    KEYS[3] ids        SET     eventIds the session has consumed
    KEYS[4] segments   HASH    segmentIndex -> sealed SegmentRecord JSON
    KEYS[5] summaries  HASH    segmentIndex -> SummaryRecord JSON
    KEYS[6] life       STRING  the session's life token, written by every commit; it outlives
                               the data keys by the tombstone TTL, so once they are gone
                               (deleted or expired) it is the tombstone that refuses an
                               implicit create

    ARGV[1] expectedVersion  the version the writer read; 0 = the session must not exist yet
    ARGV[2] create           'implicit' or 'explicit'; only read when expectedVersion is 0:
                             implicit = first event of an unknown session, refused (DELETED) while
                             the tombstone lives; explicit = a deliberate create, clears it
    ARGV[3] session          PersistedSession JSON to store
    ARGV[4] firstSeq         seq of the first appended event (ignored when E = 0)
    ARGV[5] E                number of appended events
    ARGV[6] I                number of consumed eventIds
    ARGV[7] S                number of sealed segments
    ARGV[8] M                number of summaries
    ARGV[9] life             the session's life token (core's SessionState.life)
    ARGV[10] retentionMs     idle time after which every key of the session expires; 0 = never
    ARGV[11] tombstoneMs     how much longer the life key lives than the data keys
    ARGV[12 .. 11+E]         EventRecord JSON, in seq order (seqs contiguous from firstSeq)
    next I                   eventIds
    next 2*S                 segmentIndex, SegmentRecord JSON (pairs)
    next 2*M                 segmentIndex, SummaryRecord JSON (pairs)

  JSON values are stored verbatim: the script never decodes or re-encodes them (cjson would
  turn `[]` into `{}` and round numbers to 14 digits).

  Checks, in order: ARGV shape (MALFORMED_ARGUMENTS), version (VERSION_CONFLICT), tombstone
  (DELETED; implicit create only), eventIds (DUPLICATE_EVENT), seq (SEQ_GAP).

  Output (an array; codes are ErrorCode in ../error-code.ts):
     { 0, newVersion }                      OK
     {-1, currentVersion }                  VERSION_CONFLICT   nothing written
     {-2, currentVersion, eventId }         DUPLICATE_EVENT    nothing written; first such id
     {-3, currentVersion, logLength }       SEQ_GAP            nothing written; a caller bug
     {-4, currentVersion, reason }          MALFORMED_ARGUMENTS nothing written; a caller bug
     {-5, 0 }                               DELETED            nothing written; implicit create
                                                               of a tombstoned session
]]
local stateKey, eventsKey, idsKey, segmentsKey, summariesKey, lifeKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]

-- Lua's unpack() is limited to ~8000 values: variadic commands go out in chunks (even size,
-- so that field/value pairs are never split).
local CHUNK = 1000

local currentVersion = tonumber(redis.call('HGET', stateKey, 'version') or '0')

local expectedVersion = tonumber(ARGV[1])
local createMode = ARGV[2]
local e, i, s, m = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local life, retentionMs, tombstoneMs = ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11])
if not (expectedVersion and e and i and s and m and retentionMs and tombstoneMs) then
  return { -4, currentVersion, 'expectedVersion, the four counts and the two durations must be numbers' }
end
if life == nil or life == '' or retentionMs < 0 or tombstoneMs < 1 then
  return { -4, currentVersion, 'life must be set, retentionMs >= 0 and tombstoneMs >= 1' }
end
if createMode ~= 'implicit' and createMode ~= 'explicit' then
  return { -4, currentVersion, "create must be 'implicit' or 'explicit'" }
end
if #ARGV ~= 11 + e + i + 2 * s + 2 * m then
  return { -4, currentVersion, 'ARGV has ' .. #ARGV .. ' values, the counts announce ' .. (11 + e + i + 2 * s + 2 * m) }
end

if currentVersion ~= expectedVersion then
  return { -1, currentVersion }
end

-- DELETED: the first event of a session that was deleted (or expired) must not bring it back: its
-- life key outlives its data. Checked here, in the same atomic step as the write, so a delete
-- cannot slip between a check and the commit.
local creating = currentVersion == 0
if creating and createMode == 'implicit' and redis.call('EXISTS', lifeKey) == 1 then
  return { -5, 0 }
end

local eventsFrom = 12
local idsFrom = eventsFrom + e
local segmentsFrom = idsFrom + i
local summariesFrom = segmentsFrom + 2 * s
local last = summariesFrom + 2 * m - 1

-- DUPLICATE_EVENT: the first eventId of the batch (in batch order) already consumed.
for from = idsFrom, segmentsFrom - 1, CHUNK do
  local to = math.min(from + CHUNK - 1, segmentsFrom - 1)
  local found = redis.call('SMISMEMBER', idsKey, unpack(ARGV, from, to))
  for k = 1, #found do
    if found[k] == 1 then
      return { -2, currentVersion, ARGV[from + k - 1] }
    end
  end
end

-- SEQ_GAP: the appended events must continue the log exactly.
if e > 0 then
  local logLength = redis.call('LLEN', eventsKey)
  if tonumber(ARGV[4]) ~= logLength then
    return { -3, currentVersion, logLength }
  end
end

local function pushChunked(command, key, from, to)
  for first = from, to, CHUNK do
    redis.call(command, key, unpack(ARGV, first, math.min(first + CHUNK - 1, to)))
  end
end

pushChunked('RPUSH', eventsKey, eventsFrom, idsFrom - 1)
pushChunked('SADD', idsKey, idsFrom, segmentsFrom - 1)
pushChunked('HSET', segmentsKey, segmentsFrom, summariesFrom - 1)
pushChunked('HSET', summariesKey, summariesFrom, last)

local newVersion = currentVersion + 1
redis.call('HSET', stateKey, 'version', newVersion, 'session', ARGV[3])

-- The life key: this life's token (an explicit create replaces a tombstone with it), and the
-- expiry of every key renewed: the session is idle from now on. Redis checks maxmemory (OOM)
-- only before a script's first write, and the writes above are deny-oom commands, so a full
-- Redis refuses the commit before anything is written.
local dataKeys = { stateKey, eventsKey, idsKey, segmentsKey, summariesKey }
if retentionMs > 0 then
  for k = 1, #dataKeys do
    redis.call('PEXPIRE', dataKeys[k], retentionMs)
  end
  redis.call('SET', lifeKey, life, 'PX', retentionMs + tombstoneMs)
else
  for k = 1, #dataKeys do
    redis.call('PERSIST', dataKeys[k])
  end
  redis.call('SET', lifeKey, life)
end
return { 0, newVersion }
