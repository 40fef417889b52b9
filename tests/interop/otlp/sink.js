'use strict';
// OTLP/HTTP metrics receiver for the em-metrics tests. It decodes every request body with the
// reference schema that opentelemetry-js generates from opentelemetry-proto (the protobufjs root
// shipped in @opentelemetry/otlp-transformer 0.217.0), records what arrived, and can be told to
// fail the next requests. API: README.md next to this file.
//
//   node sink.js --port 0 [--exit-on-stdin-close]
//
// Listens on 127.0.0.1 only and prints exactly one line, "listening <port>", to stdout when ready;
// diagnostics go to stderr. With --exit-on-stdin-close it also exits when its stdin reaches EOF,
// so a harness that dies without stopping it does not leave it running.

const fs = require('fs');
const http = require('http');
const https = require('https');
const zlib = require('zlib');

function loadSchema() {
  try {
    const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
    const { Writer } = require('protobufjs/minimal');
    const v1 = root.opentelemetry.proto.collector.metrics.v1;
    return { Request: v1.ExportMetricsServiceRequest, Response: v1.ExportMetricsServiceResponse, Writer };
  } catch (e) {
    process.stderr.write(`sink.js: cannot load the OTLP schema (${e.message}); ` +
      `run "npm ci" in ${__dirname} (or "make test-deps")\n`);
    process.exit(2);
  }
}

const { Request, Response, Writer } = loadSchema();

const kMaxBody = 64 * 1024 * 1024;  // bytes; OTLP spec recommendation, on the wire and after gunzip
const kJson = 'application/json';
const kProtobuf = 'application/x-protobuf';
// toObject options: 64-bit integers as decimal strings, enums as numbers, bytes as base64, and
// only the fields that were present, so the protobuf and JSON encodings give the same shape.
const kToObject = { longs: String, enums: Number, bytes: String, defaults: false };

// google.rpc.Status code for a failure status (UNKNOWN unless a closer one exists).
function grpcCode(httpStatus) {
  switch (httpStatus) {
    case 400: return 3;   // INVALID_ARGUMENT
    case 401: return 16;  // UNAUTHENTICATED
    case 403: return 7;   // PERMISSION_DENIED
    case 404: return 5;   // NOT_FOUND
    case 413: return 8;   // RESOURCE_EXHAUSTED
    case 429: return 8;   // RESOURCE_EXHAUSTED
    case 502: case 503: case 504: return 14;  // UNAVAILABLE
    default: return 2;    // UNKNOWN
  }
}

// ----- state -----

let records = [];
// Programmed behaviour: a queue of steps, each {status, retryAfter, body, drop, partialSuccess,
// delayMs, times}; the head applies to the next metrics request that passes the transport checks.
let program = [];

function parseProgram(value) {
  const steps = Array.isArray(value) ? value : [value];
  return steps.map((s, i) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new Error(`step ${i}: object expected`);
    const step = { ...s };
    step.times = s.times === undefined ? 1 : s.times;
    if (!Number.isInteger(step.times) || step.times < -1) throw new Error(`step ${i}: times must be an integer >= -1`);
    if (s.status !== undefined && !(Number.isInteger(s.status) && s.status >= 200 && s.status <= 599)) {
      throw new Error(`step ${i}: status must be an integer 200..599`);
    }
    if (s.delayMs !== undefined && !(Number.isInteger(s.delayMs) && s.delayMs >= 0)) {
      throw new Error(`step ${i}: delayMs must be an integer >= 0`);
    }
    if (s.partialSuccess !== undefined) Response.fromObject({ partialSuccess: s.partialSuccess });
    return step;
  });
}

// Takes the step that applies to this request (null: none) and counts it down.
function takeStep() {
  while (program.length && program[0].times === 0) program.shift();
  if (!program.length) return null;
  const step = program[0];
  if (step.times > 0) step.times -= 1;
  return step;
}

// ----- decoding -----

// OTLP/JSON writes exemplar trace and span ids as hex; the generated fromObject expects base64.
function hexIdsToBytes(value) {
  if (Array.isArray(value)) return value.forEach(hexIdsToBytes);
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if ((k === 'traceId' || k === 'spanId') && typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v)) {
      value[k] = Buffer.from(v, 'hex');
    } else {
      hexIdsToBytes(v);
    }
  }
}

function decode(body, json) {
  if (!json) return Request.toObject(Request.decode(body), kToObject);
  const parsed = JSON.parse(body.toString('utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('a JSON object expected');
  }
  hexIdsToBytes(parsed);
  return Request.toObject(Request.fromObject(parsed), kToObject);
}

// ----- responses -----

function send(res, status, headers, body) {
  res.writeHead(status, { ...headers, 'Content-Length': body.length });
  res.end(body);
}

// A failure answer: a google.rpc.Status {code = 1; message = 2} in the request's encoding.
function sendFailure(res, status, message, json, extraHeaders = {}) {
  const code = grpcCode(status);
  const body = json ? Buffer.from(JSON.stringify({ code, message }))
    : Buffer.from(Writer.create().uint32(0x08).int32(code).uint32(0x12).string(message).finish());
  send(res, status, { 'Content-Type': json ? kJson : kProtobuf, ...extraHeaders }, body);
}

function sendSuccess(res, json, partialSuccess) {
  const message = Response.fromObject(partialSuccess ? { partialSuccess } : {});
  const body = json ? Buffer.from(JSON.stringify(Response.toObject(message, kToObject)))
    : Buffer.from(Response.encode(message).finish());
  send(res, 200, { 'Content-Type': json ? kJson : kProtobuf }, body);
}

function sendText(res, status, text, extraHeaders = {}) {
  send(res, status, { 'Content-Type': 'text/plain', ...extraHeaders }, Buffer.from(text + '\n'));
}

function sendJson(res, status, value) {
  send(res, status, { 'Content-Type': kJson }, Buffer.from(JSON.stringify(value)));
}

// Reads the whole body. Resolves null when it exceeds `limit` bytes (declared or counted): the
// caller answers 413 with Connection: close, so the rest of the body is never read. Rejects when
// the client goes away first.
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) return resolve(null);
    const chunks = [];
    let size = 0;
    let done = false;
    req.on('data', (c) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        req.pause();
        return resolve(null);
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
      done = true;
    });
    req.on('close', () => {
      if (!done) reject(new Error('the client closed the connection before the body ended'));
      done = true;
    });
    req.on('error', () => {});  // reported through 'close'
  });
}

function tooLarge(limit) {
  return `body over ${limit} bytes`;
}

// ----- the metrics endpoint -----

async function handleMetrics(req, res, path) {
  const record = {
    path, method: req.method,
    contentType: req.headers['content-type'] ?? null,
    contentEncoding: req.headers['content-encoding'] ?? null,
    userAgent: req.headers['user-agent'] ?? null,
    headers: { ...req.headers },
    receivedAtMs: Date.now(),
    rawSize: null,       // bytes on the wire (before gunzip)
    decodedSize: null,   // bytes after gunzip
    status: 0,           // HTTP status answered; 0 = none (connection dropped)
    dropped: false,
    programmed: false,   // answered by a /program step
    request: null,       // decoded ExportMetricsServiceRequest (toObject shape)
    error: null,         // why the request was refused or could not be decoded
  };
  records.push(record);
  const refuse = (status, message, json, headers) => {
    record.status = status;
    record.error = message;
    if (json === undefined) sendText(res, status, message, headers);
    else sendFailure(res, status, message, json, headers);
  };

  if (req.method !== 'POST') {
    req.resume();
    return refuse(405, `method ${req.method} not allowed`, undefined, { Allow: 'POST' });
  }
  const type = record.contentType;
  if (type !== kProtobuf && type !== kJson) {
    req.resume();
    return refuse(415, `unsupported Content-Type ${JSON.stringify(type)}: exactly ${kProtobuf} or ${kJson}`);
  }
  const json = type === kJson;
  const encoding = (record.contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity') {
    req.resume();
    return refuse(400, `unsupported Content-Encoding ${JSON.stringify(record.contentEncoding)}`, json);
  }
  let body;
  try {
    body = await readBody(req, kMaxBody);
  } catch (e) {
    record.error = e.message;
    return;
  }
  if (body === null) return refuse(413, tooLarge(kMaxBody), json, { Connection: 'close' });
  record.rawSize = body.length;
  if (encoding === 'gzip') {
    try {
      body = zlib.gunzipSync(body, { maxOutputLength: kMaxBody });
    } catch (e) {
      if (e.code === 'ERR_BUFFER_TOO_LARGE') return refuse(413, 'gunzipped ' + tooLarge(kMaxBody), json);
      return refuse(400, `gzip: ${e.message}`, json);
    }
  }
  record.decodedSize = body.length;
  let decodeError = null;
  try {
    record.request = decode(body, json);
  } catch (e) {
    decodeError = `cannot decode ExportMetricsServiceRequest (${json ? 'JSON' : 'protobuf'}): ${e.message}`;
    record.error = decodeError;
  }

  const step = takeStep();
  if (step && step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
  if (step && step.drop) {
    record.dropped = true;
    record.programmed = true;
    req.socket.destroy();
    return;
  }
  if (step && step.status !== undefined && step.status !== 200) {
    record.programmed = true;
    record.status = step.status;
    record.error = decodeError ?? step.body ?? 'programmed failure';
    const headers = step.retryAfter !== undefined ? { 'Retry-After': String(step.retryAfter) } : {};
    return sendFailure(res, step.status, step.body ?? 'programmed failure', json, headers);
  }
  if (decodeError) return refuse(400, decodeError, json);
  if (step) record.programmed = true;
  record.status = 200;
  sendSuccess(res, json, step ? step.partialSuccess : undefined);
}

// ----- control endpoints -----

async function handleControl(req, res, path) {
  if (path === '/received' && req.method === 'GET') return sendJson(res, 200, records);
  if (path === '/reset' && req.method === 'POST') {
    req.resume();
    records = [];
    program = [];
    return sendJson(res, 200, {});
  }
  if (path === '/program' && req.method === 'POST') {
    const body = await readBody(req, 1024 * 1024);
    if (body === null) return sendText(res, 413, tooLarge(1024 * 1024), { Connection: 'close' });
    try {
      program = parseProgram(JSON.parse(body.toString('utf8')));
    } catch (e) {
      return sendJson(res, 400, { error: `bad program: ${e.message}` });
    }
    return sendJson(res, 200, {});
  }
  req.resume();
  sendText(res, 404, `no route for ${req.method} ${path}`);
}

function createServer(tls) {
  const make = tls ? (h) => https.createServer(tls, h) : (h) => http.createServer(h);
  return make((req, res) => {
    const path = req.url.split('?')[0];
    const handler = path.endsWith('/v1/metrics') ? handleMetrics : handleControl;
    handler(req, res, path).catch((e) => {
      process.stderr.write(`sink.js: ${req.method} ${path}: ${e.stack || e}\n`);
      if (!res.headersSent) sendText(res, 500, String(e.message || e));
      else res.destroy();
    });
  });
}

function main(argv) {
  let port = 4318;
  let exitOnStdinClose = false;
  let certFile = null;
  let keyFile = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port' && i + 1 < argv.length) port = Number(argv[++i]);
    else if (argv[i] === '--exit-on-stdin-close') exitOnStdinClose = true;
    else if (argv[i] === '--tls-cert' && i + 1 < argv.length) certFile = argv[++i];
    else if (argv[i] === '--tls-key' && i + 1 < argv.length) keyFile = argv[++i];
    else {
      process.stderr.write(
          `usage: node sink.js [--port N] [--exit-on-stdin-close] [--tls-cert F --tls-key F]\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`sink.js: bad port\n`);
    process.exit(2);
  }
  const server = createServer();
  server.on('error', (e) => {
    process.stderr.write(`sink.js: ${e.message}\n`);
    process.exit(1);
  });
  // With a certificate, a second listener (any free port) serves the same routes over HTTPS; the
  // control routes stay reachable over plain HTTP on the first.
  const tlsServer = certFile && keyFile
      ? createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) })
      : null;
  server.listen(port, '127.0.0.1', () => {
    if (!tlsServer) return process.stdout.write(`listening ${server.address().port}\n`);
    tlsServer.on('error', (e) => {
      process.stderr.write(`sink.js: ${e.message}\n`);
      process.exit(1);
    });
    tlsServer.listen(0, '127.0.0.1', () => process.stdout.write(
        `listening ${server.address().port} ${tlsServer.address().port}\n`));
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();  // pending delayMs answers: do not wait
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (exitOnStdinClose) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

main(process.argv.slice(2));
