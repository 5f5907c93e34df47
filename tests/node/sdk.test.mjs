// The official TypeScript SDK against a running localqstash.
//
// Needs QSTASH_URL (a running localqstash with the dev credentials). The destination is a
// tiny http server that this script runs itself, on loopback. Run by
// tests/localqstash/test_node_sdk.py; by hand: QSTASH_URL=http://127.0.0.1:8080 npm test
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { after, before, test } from "node:test";

import { Client, Receiver } from "@upstash/qstash";

const TOKEN = "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=";
const CURRENT = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r";
const NEXT = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs";
const QSTASH_URL = process.env.QSTASH_URL;
assert.ok(QSTASH_URL, "QSTASH_URL must point at a running localqstash");

const client = new Client({ baseUrl: QSTASH_URL, token: TOKEN, devMode: false });
const received = [];
const waiters = [];
let server;
let base;

before(async () => {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.end("ok");
      for (const w of waiters.splice(0)) w();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

async function delivery(path, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = received.find((r) => r.path === path);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no delivery to ${path} within ${timeoutMs} ms`);
    await new Promise((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 100);
    });
  }
}

test("publish is delivered, signed so that Receiver.verify accepts it", async () => {
  const res = await client.publish({ url: `${base}/plain`, body: "hello node" });
  assert.match(res.messageId, /^msg_/);
  const got = await delivery("/plain");
  assert.equal(got.body, "hello node");
  assert.equal(got.headers["upstash-message-id"], res.messageId);
  const receiver = new Receiver({ currentSigningKey: CURRENT, nextSigningKey: NEXT });
  const ok = await receiver.verify({
    signature: got.headers["upstash-signature"], body: got.body, url: `${base}/plain`,
  });
  assert.equal(ok, true);
  await assert.rejects(receiver.verify({
    signature: got.headers["upstash-signature"], body: "tampered", url: `${base}/plain`,
  }));
});

test("publishJSON with notBefore and deduplicationId; messages.get and delete", async () => {
  const notBefore = Math.floor(Date.now() / 1000) + 3600;
  const first = await client.publishJSON({
    url: `${base}/later`, body: { hello: "json" }, notBefore, deduplicationId: "node-dedup-1",
  });
  const again = await client.publishJSON({
    url: `${base}/later`, body: { hello: "json" }, notBefore, deduplicationId: "node-dedup-1",
  });
  assert.equal(again.messageId, first.messageId);
  assert.equal(again.deduplicated, true);
  const message = await client.messages.get(first.messageId);
  assert.equal(message.messageId, first.messageId);
  assert.equal(message.url, `${base}/later`);
  assert.equal(message.notBefore, notBefore * 1000);
  assert.deepEqual(JSON.parse(message.body), { hello: "json" });
  await client.messages.delete(first.messageId);
  await assert.rejects(client.messages.get(first.messageId));
});

test("schedules: create, get, list, delete", async () => {
  const { scheduleId } = await client.schedules.create({
    destination: `${base}/cron`, cron: "0 0 1 1 *", body: "yearly",
  });
  const schedule = await client.schedules.get(scheduleId);
  assert.equal(schedule.scheduleId, scheduleId);
  assert.equal(schedule.cron, "0 0 1 1 *");
  assert.equal(schedule.destination, `${base}/cron`);
  const listed = await client.schedules.list();
  assert.ok(listed.some((s) => s.scheduleId === scheduleId));
  await client.schedules.delete(scheduleId);
  const remaining = await client.schedules.list();
  assert.ok(!remaining.some((s) => s.scheduleId === scheduleId));
});

test("a failed message lands in the DLQ", async () => {
  const res = await client.publish({ url: `http://127.0.0.1:9/closed`, body: "x", retries: 0 });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { messages } = await client.dlq.listMessages();
    if (messages.some((m) => m.messageId === res.messageId)) break;
    if (Date.now() > deadline) throw new Error("message never reached the DLQ");
    await new Promise((r) => setTimeout(r, 100));
  }
});

const devSkip = process.env.QSTASH_DEV_PORT ? false : "QSTASH_DEV_PORT is not set";
test("QSTASH_DEV=true adopts the running localqstash", { skip: devSkip }, async (t) => {
  // Dev mode probes GET /v2/keys on QSTASH_DEV_PORT (default 8080) and, finding the dev
  // keys, uses that server with the dev credentials instead of starting its own.
  process.env.QSTASH_DEV = "true";
  t.after(() => delete process.env.QSTASH_DEV);
  const dev = new Client({});
  const res = await dev.publish({ url: `${base}/dev`, body: "dev mode" });
  const got = await delivery("/dev");
  assert.equal(got.headers["upstash-message-id"], res.messageId);
  const ok = await new Receiver({}).verify({
    signature: got.headers["upstash-signature"], body: got.body, url: `${base}/dev`,
  });
  assert.equal(ok, true);
});
