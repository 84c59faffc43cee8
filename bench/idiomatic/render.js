#!/usr/bin/env node
// httpsnippet or postman-code-generators on docsnip's own requests (issue 20's
// comparison). Reads the lines of `examples/snippets --requests` (`{"path", "request",
// "har"}`, the HAR request docsnip normalized) on stdin and writes, per request and per
// language, a JSON line `{"path", "title", "code"}` whose title is the docsnip language
// title scripts/idiomatic.py knows (KINDS), so that the same tools judge every generator.
// A generator that throws, or returns nothing, is "not generated": one line on stderr,
// `render.js: not generated: TITLE: PATH: MESSAGE`; bench/idiomatic.sh counts them.
// Usage: NODE_PATH=CACHE/node_modules node bench/idiomatic/render.js httpsnippet|postman
'use strict';

const fs = require('fs');

// docsnip title -> [httpsnippet target, client], [postman language, variant].
// null: the generator has no client for it.
const TITLES = [
  ['Curl', ['shell', 'curl'], ['curl', 'cURL']],
  ['HTTPie', ['shell', 'httpie'], ['shell', 'Httpie']],
  ['Wget', ['shell', 'wget'], ['shell', 'wget']],
  ['Python (requests)', ['python', 'requests'], ['python', 'Requests']],
  ['Python (http.client)', ['python', 'python3'], ['python', 'http.client']],
  // Node's fetch: httpsnippet's node fetch client; postman's only fetch is JavaScript Fetch.
  ['Node.js', ['node', 'fetch'], ['javascript', 'Fetch']],
  ['Node.js (axios)', ['node', 'axios'], ['nodejs', 'Axios']],
  ['Go', ['go', 'native'], ['go', 'Native']],
  ['Rust (reqwest)', ['rust', 'reqwest'], ['rust', 'reqwest']],
  ['PHP (cURL)', ['php', 'curl'], ['php', 'cURL']],
  ['PHP (Guzzle)', ['php', 'guzzle'], ['php', 'Guzzle']],
  ['Ruby', ['ruby', 'native'], ['ruby', 'Net::HTTP']],
  // java.net.http as docsnip's Java uses (postman has only OkHttp and Unirest).
  ['Java', ['java', 'nethttp'], ['java', 'OkHttp']],
  ['C (libcurl)', ['c', 'libcurl'], ['c', 'libcurl']],
  ['C#', ['csharp', 'httpclient'], ['csharp', 'HttpClient']],
  ['R (httr)', ['r', 'httr'], ['r', 'httr']],
];

function notGenerated(title, path, message) {
  const m = String(message).split('\n')[0];
  process.stderr.write(`render.js: not generated: ${title}: ${path}: ${m}\n`);
}

function emit(path, title, code) {
  process.stdout.write(JSON.stringify({ path, title, code }) + '\n');
}

function httpsnippet(lines) {
  const { HTTPSnippet } = require('httpsnippet');
  for (const { path, har } of lines) {
    for (const [title, [target, client]] of TITLES) {
      let code;
      try {
        code = new HTTPSnippet(har).convert(target, client);
      } catch (e) {
        notGenerated(title, path, e && e.message ? e.message : e);
        continue;
      }
      if (Array.isArray(code)) code = code[0];
      if (typeof code !== 'string' || code === '') {
        notGenerated(title, path, 'convert returned nothing');
        continue;
      }
      emit(path, title, code);
    }
  }
}

// The HAR request as a postman-collection Request: headers as given, the body by mode
// (JSON as raw with the json language, so that generators that care know it is JSON).
function postmanRequest(har) {
  const sdk = require('postman-collection');
  const def = {
    url: har.url,
    method: har.method,
    header: har.headers.map((h) => ({ key: h.name, value: h.value })),
  };
  const pd = har.postData;
  if (pd) {
    if (pd.mimeType === 'application/x-www-form-urlencoded' && pd.params) {
      def.body = { mode: 'urlencoded', urlencoded: pd.params.map((p) => ({ key: p.name, value: p.value })) };
    } else if (pd.mimeType === 'multipart/form-data' && pd.params) {
      def.body = {
        mode: 'formdata',
        formdata: pd.params.map((p) =>
          p.fileName !== undefined
            ? { key: p.name, type: 'file', src: p.fileName, contentType: p.contentType }
            : { key: p.name, type: 'text', value: p.value }
        ),
      };
    } else {
      const json = /json/i.test(pd.mimeType || '');
      def.body = { mode: 'raw', raw: pd.text, options: { raw: { language: json ? 'json' : 'text' } } };
    }
  }
  return new sdk.Request(def);
}

async function postman(lines) {
  const codegen = require('postman-code-generators');
  for (const { path, har } of lines) {
    for (const [title, , [language, variant]] of TITLES) {
      let code;
      try {
        code = await new Promise((resolve, reject) => {
          codegen.convert(language, variant, postmanRequest(har), {}, (err, snippet) =>
            err ? reject(err) : resolve(snippet)
          );
        });
      } catch (e) {
        notGenerated(title, path, e && e.message ? e.message : e);
        continue;
      }
      if (typeof code !== 'string' || code === '') {
        notGenerated(title, path, 'convert returned nothing');
        continue;
      }
      emit(path, title, code);
    }
  }
}

async function main() {
  const which = process.argv[2];
  const lines = fs
    .readFileSync(0, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  if (which === 'httpsnippet') httpsnippet(lines);
  else if (which === 'postman') await postman(lines);
  else {
    process.stderr.write('usage: render.js httpsnippet|postman < requests.jsonl\n');
    process.exit(2);
  }
}

main().catch((e) => {
  process.stderr.write(`render.js: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
