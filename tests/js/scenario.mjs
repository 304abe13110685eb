// The official Qdrant JS REST client (@qdrant/js-client-rest) against a Vectorizer server.
//
// Usage: node scenario.mjs http://127.0.0.1:6333
//
// Creates a collection, upserts points with payloads, creates a payload index, runs a
// filtered search (search and query), scrolls, counts, deletes points and drops the
// collection, checking every answer; expected search results are computed here.
// Exits 1 with a message on the first mismatch.

import { QdrantClient } from "@qdrant/js-client-rest";

const url = process.argv[2];
if (!url) {
  console.error("usage: node scenario.mjs SERVER_URL");
  process.exit(2);
}

const NAME = "js_scenario";
const CITIES = ["Berlin", "London", "Paris"];
const N = 24;

const warnings = [];
const warn = console.warn;
console.warn = (...args) => {
  warnings.push(args.join(" "));
  warn(...args);
};

function vector(i) {
  return [Math.cos(i) + 1.5, Math.sin(i), Math.cos(2 * i), Math.sin(3 * i) + 0.5];
}

function normalize(v) {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}

function cosine(a, b) {
  const [na, nb] = [normalize(a), normalize(b)];
  return na.reduce((s, x, k) => s + x * nb[k], 0);
}

function check(condition, message, actual) {
  if (!condition) {
    const detail = actual === undefined ? "" : `\n  got: ${JSON.stringify(actual)}`;
    throw new Error(`${message}${detail}`);
  }
}

function sameList(actual, expected, message) {
  check(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${message}: expected ${JSON.stringify(expected)}`,
    actual,
  );
}

function payload(i) {
  return { city: CITIES[i % 3], n: i, tags: [`t${i % 4}`], nested: { even: i % 2 === 0 } };
}

async function legacySearch(base, collection, body) {
  const response = await fetch(`${base}/collections/${collection}/points/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  check(response.status === 200, "search: HTTP 200", response.status);
  return (await response.json()).result;
}

async function main() {
  const client = new QdrantClient({ url, checkCompatibility: true });

  const info = await client.versionInfo();
  check(info.version.startsWith("1.19."), "the server reports Qdrant 1.19.x", info);

  check(!(await client.collectionExists(NAME)).exists, "no collection before the scenario");
  check(
    (await client.createCollection(NAME, { vectors: { size: 4, distance: "Cosine" } })) === true,
    "createCollection answers true",
  );

  const points = Array.from({ length: N }, (_, i) => ({ id: i, vector: vector(i), payload: payload(i) }));
  const upserted = await client.upsert(NAME, { wait: true, points });
  check(upserted.status === "completed", "upsert with wait is completed", upserted);

  const indexed = await client.createPayloadIndex(NAME, {
    field_name: "city",
    field_schema: "keyword",
    wait: true,
  });
  check(indexed.status === "completed", "createPayloadIndex with wait is completed", indexed);
  const collection = await client.getCollection(NAME);
  check(collection.points_count === N, `the collection holds ${N} points`, collection);
  check(
    collection.payload_schema.city?.data_type === "keyword",
    "the payload schema lists the keyword index on city",
    collection.payload_schema,
  );

  // filtered search: Berlin points with n >= 3, nearest to q by cosine
  const q = [0.3, -0.2, 0.9, 0.1];
  const filter = {
    must: [
      { key: "city", match: { value: "Berlin" } },
      { key: "n", range: { gte: 3 } },
    ],
  };
  const expected = points
    .filter((p) => p.payload.city === "Berlin" && p.payload.n >= 3)
    .map((p) => ({ id: p.id, score: cosine(p.vector, q) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 5);
  // js-client-rest dropped search() (1.16); Qdrant 1.19 still routes the legacy endpoint
  const body = { vector: q, filter, limit: 5, with_payload: true };
  const found =
    typeof client.search === "function"
      ? await client.search(NAME, body)
      : await legacySearch(url, NAME, body);
  sameList(found.map((h) => h.id), expected.map((h) => h.id), "search: ids in score order");
  found.forEach((hit, k) => {
    check(Math.abs(hit.score - expected[k].score) < 1e-4, `search: score of ${hit.id}`, hit);
    check(hit.payload.city === "Berlin" && hit.payload.n >= 3, "search: payload matches", hit);
    sameList(hit.payload, payload(hit.id), `search: payload of ${hit.id}`);
  });
  const queried = await client.query(NAME, { query: q, filter, limit: 5, with_payload: ["n"] });
  sameList(queried.points.map((h) => h.id), expected.map((h) => h.id), "query: ids in score order");
  queried.points.forEach((hit) => sameList(hit.payload, { n: hit.id }, "query: payload selector"));

  // scroll through the London points, 3 at a time
  const london = { must: [{ key: "city", match: { value: "London" } }] };
  const scrolled = [];
  let offset = undefined;
  for (let pages = 0; pages < 10; pages++) {
    const page = await client.scroll(NAME, { filter: london, limit: 3, offset, with_payload: true });
    check(page.points.length <= 3, "scroll: at most limit points per page", page);
    scrolled.push(...page.points.map((p) => p.id));
    offset = page.next_page_offset;
    if (offset === null || offset === undefined) break;
  }
  const londonIds = points.filter((p) => p.payload.city === "London").map((p) => p.id);
  sameList(scrolled, londonIds, "scroll: every London point, by id");

  const berlin = { must: [{ key: "city", match: { value: "Berlin" } }] };
  check((await client.count(NAME, { filter: berlin, exact: true })).count === 8, "count Berlin");
  check((await client.count(NAME, { exact: true })).count === N, "count all");

  const byId = await client.delete(NAME, { wait: true, points: [0, 3] });
  check(byId.status === "completed", "delete by ids is completed", byId);
  const paris = { must: [{ key: "city", match: { value: "Paris" } }] };
  const byFilter = await client.delete(NAME, { wait: true, filter: paris });
  check(byFilter.status === "completed", "delete by filter is completed", byFilter);
  check((await client.count(NAME, { exact: true })).count === N - 2 - 8, "count after deletes");
  check((await client.count(NAME, { filter: berlin, exact: true })).count === 6, "Berlin left");
  const left = await client.retrieve(NAME, { ids: [0, 1, 2, 3], with_payload: false });
  sameList(left.map((p) => p.id).sort(), [1], "retrieve after deletes");

  check((await client.deleteCollection(NAME)) === true, "deleteCollection answers true");
  check(!(await client.collectionExists(NAME)).exists, "no collection after the scenario");

  check(warnings.length === 0, "the client warned", warnings);
  console.log("js-client-rest scenario: all checks passed");
}

main().catch((error) => {
  console.error(`js-client-rest scenario failed: ${error.message}`);
  if (error.data !== undefined) console.error(`response body: ${JSON.stringify(error.data)}`);
  process.exit(1);
});
