// SPDX-License-Identifier: BSD-2-Clause
/*
 * node_redis_test.js - node-redis v4 (npm package "redis", pinned in package.json) against a
 * running server: `node node_redis_test.js PORT`. Started by test_node_redis.sh, which owns the
 * server; this script only connects to 127.0.0.1:PORT.
 *
 * What: the client's own code paths, not just command replies: its handshake on connect
 * (including SELECT for a `database` option), reply parsing into JS types (strings, numbers,
 * null, arrays, Buffers with returnBuffers), MULTI/EXEC via multi() (also a failing command
 * inside EXEC, WATCH conflicts as WatchError, EXECABORT), pipelining (thousands of commands in
 * flight on one socket, and several clients at once), execAsPipeline, scanIterator, binary
 * and large values as Buffers, error replies surfaced as ErrorReply with Redis's text.
 * RESP3: node-redis v4 speaks RESP2 only (RESP3 came with v5), so it cannot be tested here;
 * the script says so in its output instead of counting it as passed.
 *
 * Why: node-redis is one of the most used Redis clients; it pipelines by default and parses
 * replies strictly, so a wrong reply type or a reordered reply breaks real applications.
 *
 * Invariants: every test uses its own key prefix and cleans nothing up (the server is
 * throwaway); every client is disconnected at the end; a test failure is reported with its
 * name and the script continues; the last line is "N passed, N failed" and the exit status
 * is 0 only when nothing failed.
 */
'use strict';

const crypto = require('crypto');
const { createClient, commandOptions, WatchError, ErrorReply, MultiErrorReply } = require('redis');

const port = Number(process.argv[2]);
if (!port) {
	console.error('usage: node node_redis_test.js PORT');
	process.exit(2);
}

const clients = [];

async function client(opts = {}) {
	const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false }, ...opts });
	c.on('error', (e) => console.error('client error event:', e.message));
	await c.connect();
	clients.push(c);
	return c;
}

class CheckError extends Error {}

function eq(got, want, what) {
	const g = Buffer.isBuffer(got) ? `Buffer<${got.toString('hex').slice(0, 64)}>` : JSON.stringify(got);
	const w = Buffer.isBuffer(want) ? `Buffer<${want.toString('hex').slice(0, 64)}>` : JSON.stringify(want);
	const same = Buffer.isBuffer(got) && Buffer.isBuffer(want) ? got.equals(want) : g === w;
	if (!same)
		throw new CheckError(`${what}: got ${g}, want ${w}`);
}

function ok(cond, what) {
	if (!cond)
		throw new CheckError(what);
}

/* Await p, which must reject with an ErrorReply whose message is exactly msg. */
async function rejects(p, msg, what) {
	try {
		await p;
	} catch (e) {
		ok(e instanceof ErrorReply, `${what}: expected ErrorReply, got ${e && e.constructor && e.constructor.name}`);
		eq(e.message, msg, what);
		return;
	}
	throw new CheckError(`${what}: expected an error reply, got success`);
}

const tests = [];
function test(name, fn) {
	tests.push([name, fn]);
}

test('set get del', async () => {
	const c = await client();
	eq(await c.set('s:a', 'hello'), 'OK', 'SET');
	eq(await c.get('s:a'), 'hello', 'GET');
	eq(await c.get('s:missing'), null, 'GET missing');
	eq(await c.set('s:a', 'x', { NX: true }), null, 'SET NX on existing');
	eq(await c.set('s:a', 'world', { XX: true, GET: true }), 'hello', 'SET XX GET');
	eq(await c.exists(['s:a', 's:missing', 's:a']), 2, 'EXISTS counts repeats');
	eq(await c.del(['s:a', 's:missing']), 1, 'DEL');
	eq(await c.get('s:a'), null, 'GET after DEL');
	eq(await c.type('s:a'), 'none', 'TYPE none');
});

test('mset mget', async () => {
	const c = await client();
	eq(await c.mSet({ 'm:1': 'one', 'm:2': 'two', 'm:3': '' }), 'OK', 'MSET');
	eq(await c.mGet(['m:1', 'm:nope', 'm:2', 'm:3']), ['one', null, 'two', ''], 'MGET');
	eq(await c.mSetNX({ 'm:1': 'x', 'm:4': 'y' }), false, 'MSETNX with one existing');
	eq(await c.get('m:4'), null, 'MSETNX wrote nothing');
	eq(await c.mSetNX({ 'm:4': 'y', 'm:5': 'z' }), true, 'MSETNX all new');
});

test('counters', async () => {
	const c = await client();
	eq(await c.incr('c:n'), 1, 'INCR new key');
	eq(await c.incrBy('c:n', 41), 42, 'INCRBY');
	eq(await c.decr('c:n'), 41, 'DECR');
	eq(await c.decrBy('c:n', 50), -9, 'DECRBY');
	eq(await c.incrByFloat('c:f', 10.5), '10.5', 'INCRBYFLOAT reply is a string');
	eq(await c.incrByFloat('c:f', 0.1), '10.6', 'INCRBYFLOAT formatting');
	await c.set('c:s', 'abc');
	await rejects(c.incr('c:s'), 'ERR value is not an integer or out of range', 'INCR on text');
	await c.set('c:max', '9223372036854775807');
	await rejects(c.incr('c:max'), 'ERR increment or decrement would overflow', 'INCR overflow');
	eq(await c.get('c:max'), '9223372036854775807', 'overflow left the value');
});

test('expire ttl persist', async () => {
	const c = await client();
	await c.set('e:a', 'v');
	eq(await c.ttl('e:a'), -1, 'TTL without expiry');
	eq(await c.ttl('e:none'), -2, 'TTL missing key');
	eq(await c.expire('e:a', 100), true, 'EXPIRE');
	const t = await c.ttl('e:a');
	ok(t >= 99 && t <= 100, `TTL ${t} in [99,100]`);
	const pt = await c.pTTL('e:a');
	ok(pt > 98000 && pt <= 100000, `PTTL ${pt} in (98000,100000]`);
	eq(await c.expire('e:a', 50, 'GT'), false, 'EXPIRE GT smaller');
	eq(await c.persist('e:a'), true, 'PERSIST');
	eq(await c.ttl('e:a'), -1, 'TTL after PERSIST');
	await c.set('e:b', 'v', { PX: 60 });
	await new Promise((r) => setTimeout(r, 150));
	eq(await c.get('e:b'), null, 'PX key expired');
	eq(await c.exists('e:b'), 0, 'expired key does not exist');
	await c.set('e:c', 'v', { EX: 1000 });
	const et = await c.expireTime('e:c');
	const now = Math.floor(Date.now() / 1000);
	ok(Math.abs(et - (now + 1000)) <= 2, `EXPIRETIME ${et} ~ now+1000`);
});

test('multi exec', async () => {
	const c = await client();
	const r = await c.multi().set('t:a', '1').incr('t:a').incrBy('t:a', 10).get('t:a').exec();
	eq(r, ['OK', 2, 12, '12'], 'EXEC replies');
	// a command failing at EXEC time: the others still ran; node-redis (4.7) rejects with a
	// MultiErrorReply that carries every reply and the indexes of the failed ones
	await c.set('t:s', 'text');
	let r2 = null;
	try {
		await c.multi().incr('t:s').set('t:b', 'ok').exec();
	} catch (e) {
		ok(e instanceof MultiErrorReply, `MultiErrorReply expected, got ${e.constructor.name}`);
		r2 = e;
	}
	ok(r2 !== null, 'EXEC with a failing command should reject');
	eq(r2.errorIndexes, [0], 'index of the failed command');
	ok(r2.replies[0] instanceof ErrorReply, 'failed command reply is an ErrorReply');
	eq(r2.replies[0].message, 'ERR value is not an integer or out of range', 'failed command text');
	eq(r2.replies[1], 'OK', 'command after the failing one ran');
	eq(await c.get('t:b'), 'ok', 'effect of EXEC');
	// an error while queueing aborts everything
	try {
		await c.multi().set('t:c', '1').addCommand(['GET']).exec();
		throw new CheckError('EXEC with a wrong-arity command should fail');
	} catch (e) {
		if (e instanceof CheckError)
			throw e;
		ok(e instanceof ErrorReply, `EXECABORT is an ErrorReply (${e.constructor.name})`);
		ok(e.message.startsWith('EXECABORT Transaction discarded because of previous errors'),
		   `EXECABORT text: ${e.message}`);
	}
	eq(await c.get('t:c'), null, 'aborted transaction wrote nothing');
});

test('watch conflict', async () => {
	const c = await client();
	const other = await client();
	await c.set('w:k', '1');
	// WATCH needs the connection to itself: node-redis v4 runs it in an isolated connection
	await c.executeIsolated(async (iso) => {
		await iso.watch('w:k');
		await other.set('w:k', '2');
		try {
			await iso.multi().set('w:k', '3').exec();
			throw new CheckError('EXEC after a touched WATCH key should fail');
		} catch (e) {
			if (e instanceof CheckError)
				throw e;
			ok(e instanceof WatchError, `WatchError expected, got ${e.constructor.name}: ${e.message}`);
		}
	});
	eq(await c.get('w:k'), '2', 'watched transaction did not run');
	await c.executeIsolated(async (iso) => {
		await iso.watch('w:k');
		eq(await iso.multi().set('w:k', '4').exec(), ['OK'], 'untouched WATCH');
	});
	eq(await c.get('w:k'), '4', 'second transaction ran');
});

test('pipelining many in flight', async () => {
	const c = await client();
	const n = 5000;
	const ps = [];
	for (let i = 0; i < n; i++) {
		ps.push(c.set(`p:${i}`, `v${i}`));
		ps.push(c.incr('p:ctr'));
	}
	const r = await Promise.all(ps);
	for (let i = 0; i < n; i++) {
		if (r[2 * i] !== 'OK' || r[2 * i + 1] !== i + 1)
			throw new CheckError(`reply ${i}: ${r[2 * i]} ${r[2 * i + 1]}`);
	}
	const gets = await Promise.all(Array.from({ length: n }, (_, i) => c.get(`p:${i}`)));
	for (let i = 0; i < n; i++) {
		if (gets[i] !== `v${i}`)
			throw new CheckError(`GET p:${i} = ${gets[i]}`);
	}
	const batch = c.multi();
	for (let i = 0; i < 1000; i++)
		batch.incr('p:batch');
	const pr = await batch.execAsPipeline();
	eq(pr.length, 1000, 'execAsPipeline reply count');
	eq(pr[999], 1000, 'execAsPipeline last reply');
});

test('many clients in parallel', async () => {
	const cs = await Promise.all(Array.from({ length: 20 }, () => client()));
	await Promise.all(cs.map(async (c) => {
		const ps = [];
		for (let i = 0; i < 500; i++)
			ps.push(c.incr('par:ctr'));
		await Promise.all(ps);
	}));
	eq(await cs[0].get('par:ctr'), '10000', 'sum of 20 x 500 INCR');
});

test('binary buffers', async () => {
	const c = await client();
	const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
	eq(await c.set('b:all', all), 'OK', 'SET Buffer');
	eq(await c.get(commandOptions({ returnBuffers: true }), 'b:all'), all, 'GET Buffer roundtrip');
	eq(await c.strLen('b:all'), 256, 'STRLEN of binary');
	const key = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x20, 0x00]);
	await c.set(key, Buffer.from('\r\n\0'));
	eq(await c.get(commandOptions({ returnBuffers: true }), key), Buffer.from('\r\n\0'), 'binary key');
	eq(await c.append(key, all), 259, 'APPEND Buffer');
	const got = await c.getRange(commandOptions({ returnBuffers: true }), key, 3, 258);
	eq(got, all, 'GETRANGE of appended binary');
	const big = crypto.randomBytes(3 * 1024 * 1024 + 7);
	await c.set('b:big', big);
	const back = await c.get(commandOptions({ returnBuffers: true }), 'b:big');
	ok(Buffer.isBuffer(back) && back.equals(big), '3 MB random Buffer roundtrip');
	const mg = await c.mGet(commandOptions({ returnBuffers: true }), ['b:all', 'b:none']);
	eq(mg[0], all, 'MGET Buffer');
	eq(mg[1], null, 'MGET missing in buffer mode');
});

test('databases and scan', async () => {
	const c = await client({ database: 3 });
	const c0 = await client();
	await c.set('db:k', 'in3');
	eq(await c0.get('db:k'), null, 'database option selected db 3');
	for (let i = 0; i < 250; i++)
		await c.set(`sc:${i}`, 'x');
	const seen = new Set();
	for await (const k of c.scanIterator({ MATCH: 'sc:*', COUNT: 37 }))
		seen.add(k);
	eq(seen.size, 250, 'scanIterator saw every key once or more');
	eq(await c.dbSize(), 251, 'DBSIZE in db 3');
	eq(await c.sendCommand(['ECHO', 'raw']), 'raw', 'sendCommand');
	await rejects(c.sendCommand(['NOSUCHCMD', 'a']),
		      "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ", 'unknown command');
	await rejects(c.sendCommand(['GET']), "ERR wrong number of arguments for 'get' command", 'arity');
});

test('string commands', async () => {
	const c = await client();
	eq(await c.set('str:a', 'Hello World'), 'OK', 'SET');
	eq(await c.getRange('str:a', -5, -1), 'World', 'GETRANGE');
	eq(await c.setRange('str:a', 6, 'Redis'), 11, 'SETRANGE');
	eq(await c.get('str:a'), 'Hello Redis', 'after SETRANGE');
	eq(await c.getDel('str:a'), 'Hello Redis', 'GETDEL');
	eq(await c.setNX('str:b', '1'), true, 'SETNX');
	eq(await c.getSet('str:b', '2'), '1', 'GETSET');
	eq(await c.getEx('str:b', { EX: 100 }), '2', 'GETEX EX');
	ok((await c.ttl('str:b')) > 90, 'GETEX set a TTL');
	eq(await c.setBit('str:bits', 7, 1), 0, 'SETBIT');
	eq(await c.getBit('str:bits', 7), 1, 'GETBIT');
	eq(await c.bitCount('str:bits'), 1, 'BITCOUNT');
	eq(await c.bitPos('str:bits', 1), 7, 'BITPOS');
	await c.mSet({ 'str:x': 'ohmytext', 'str:y': 'mynewtext' });
	eq(await c.sendCommand(['LCS', 'str:x', 'str:y']), 'mytext', 'LCS');
	eq(await c.rename('str:x', 'str:z'), 'OK', 'RENAME');
	eq(await c.copy('str:z', 'str:w'), true, 'COPY');
	eq(await c.get('str:w'), 'ohmytext', 'copied value');
});

async function main() {
	let passed = 0, failed = 0;
	console.log('RESP3: not tested - node-redis v4 speaks RESP2 only (RESP3 support arrived in v5)');
	for (const [name, fn] of tests) {
		const t0 = Date.now();
		try {
			await fn();
			passed++;
			console.log(`ok   ${name} (${Date.now() - t0} ms)`);
		} catch (e) {
			failed++;
			console.log(`FAIL ${name}: ${e instanceof CheckError ? e.message : (e && e.stack) || e}`);
		}
	}
	for (const c of clients) {
		try {
			if (c.isOpen)
				await c.quit();
		} catch (e) {
			console.log(`quit: ${e.message}`);
		}
	}
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => {
	console.log(`FAIL harness: ${(e && e.stack) || e}`);
	console.log('0 passed, 1 failed');
	process.exit(1);
});
