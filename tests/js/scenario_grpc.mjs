// The official Qdrant JS gRPC client (@qdrant/js-client-grpc) against a Vectorizer server.
//
// Usage: node scenario_grpc.mjs http://127.0.0.1:6334
//
// Creates a collection, upserts points with payloads, creates a payload index, runs a
// filtered search (Search and Query), scrolls, counts, deletes points and drops the
// collection, checking every answer; expected search results are computed here.
// Exits 1 with a message on the first mismatch.

import {
  ConnectError,
  Distance,
  FieldType,
  PayloadSchemaType,
  QdrantClient,
  UpdateStatus,
} from "@qdrant/js-client-grpc";

const url = process.argv[2];
if (!url) {
  console.error("usage: node scenario_grpc.mjs GRPC_URL");
  process.exit(2);
}

const NAME = "js_grpc_scenario";
const CITIES = ["Berlin", "London", "Paris"];
const N = 24;
// a UUID id next to the integer ones: ids come back with the type they went in with
const UUID = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";

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

/** JSON with bigints marked and object keys sorted (protobuf maps have no order). */
function show(value) {
  return JSON.stringify(value, (_, v) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
    }
    return v;
  });
}

function check(condition, message, actual) {
  if (!condition) {
    const detail = actual === undefined ? "" : `\n  got: ${show(actual)}`;
    throw new Error(`${message}${detail}`);
  }
}

function sameList(actual, expected, message) {
  check(show(actual) === show(expected), `${message}: expected ${show(expected)}`, actual);
}

function payload(i) {
  return { city: CITIES[i % 3], n: i, tags: [`t${i % 4}`], nested: { even: i % 2 === 0 } };
}

// ---------------------------------------------------------------- protobuf <-> plain values

/** A JSON value as a qdrant.Value message init (integers as int64, other numbers as double). */
function toValue(x) {
  if (x === null) return { kind: { case: "nullValue", value: 0 } };
  if (typeof x === "boolean") return { kind: { case: "boolValue", value: x } };
  if (typeof x === "string") return { kind: { case: "stringValue", value: x } };
  if (typeof x === "number") {
    return Number.isInteger(x)
      ? { kind: { case: "integerValue", value: BigInt(x) } }
      : { kind: { case: "doubleValue", value: x } };
  }
  if (Array.isArray(x)) return { kind: { case: "listValue", value: { values: x.map(toValue) } } };
  return { kind: { case: "structValue", value: { fields: toMap(x) } } };
}

function toMap(obj) {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, toValue(v)]));
}

/** A qdrant.Value message back to a JSON value (int64 to a Number). */
function fromValue(value) {
  const { case: kind, value: x } = value.kind;
  switch (kind) {
    case "nullValue":
      return null;
    case "integerValue":
      return Number(x);
    case "listValue":
      return x.values.map(fromValue);
    case "structValue":
      return fromMap(x.fields);
    case "boolValue":
    case "stringValue":
    case "doubleValue":
      return x;
    default:
      throw new Error(`unexpected Value kind ${kind}`);
  }
}

function fromMap(fields) {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fromValue(v)]));
}

function pointId(id) {
  return typeof id === "string"
    ? { pointIdOptions: { case: "uuid", value: id } }
    : { pointIdOptions: { case: "num", value: BigInt(id) } };
}

/** A PointId message back to a Number or a UUID string, checking the kind it came back as. */
function idOf(message) {
  const { case: kind, value } = message.id.pointIdOptions;
  check(kind === "num" || kind === "uuid", "a point id is num or uuid", message.id);
  check(kind === "uuid" || typeof value === "bigint", "a num id is a uint64", message.id);
  return kind === "num" ? Number(value) : value;
}

function field(key, condition) {
  return { conditionOneOf: { case: "field", value: { key, ...condition } } };
}

function keyword(key, value) {
  return field(key, { match: { matchValue: { case: "keyword", value } } });
}

const withPayload = (enable) => ({ selectorOptions: { case: "enable", value: enable } });

function completed(response, message) {
  check(response.result?.status === UpdateStatus.Completed, `${message} is Completed`, response);
}

// ---------------------------------------------------------------- the scenario

async function main() {
  const client = new QdrantClient({ url, checkCompatibility: true });
  const collections = client.api("collections");
  const pointsApi = client.api("points");

  const health = await client.api("service").healthCheck({});
  check(health.version.startsWith("1.19."), "the server reports Qdrant 1.19.x", health);

  const exists = async () => (await collections.collectionExists({ collectionName: NAME })).result;
  check(!(await exists()).exists, "no collection before the scenario");
  const created = await collections.create({
    collectionName: NAME,
    vectorsConfig: { config: { case: "params", value: { size: 4n, distance: Distance.Cosine } } },
  });
  check(created.result === true, "Create answers true", created);
  check((await exists()).exists, "the collection exists after Create");
  const listed = await collections.list({});
  check(listed.collections.some((c) => c.name === NAME), "List names the collection", listed);

  const points = Array.from({ length: N }, (_, i) => ({ id: i, vector: vector(i), payload: payload(i) }));
  const upserted = await pointsApi.upsert({
    collectionName: NAME,
    wait: true,
    points: points.map((p) => ({
      id: pointId(p.id),
      vectors: { vectorsOptions: { case: "vector", value: { data: p.vector } } },
      payload: toMap(p.payload),
    })),
  });
  completed(upserted, "Upsert with wait");
  const extra = await pointsApi.upsert({
    collectionName: NAME,
    wait: true,
    points: [
      {
        id: pointId(UUID),
        vectors: { vectorsOptions: { case: "vector", value: { data: [0, 0, 1, 0] } } },
        payload: toMap({ city: "Rome", n: 2.5, note: null }),
      },
    ],
  });
  completed(extra, "Upsert of a UUID point");

  const indexed = await pointsApi.createFieldIndex({
    collectionName: NAME,
    wait: true,
    fieldName: "city",
    fieldType: FieldType.FieldTypeKeyword,
  });
  completed(indexed, "CreateFieldIndex with wait");
  const info = (await collections.get({ collectionName: NAME })).result;
  check(info.pointsCount === BigInt(N + 1), `the collection holds ${N + 1} points`, info);
  const params = info.config.params.vectorsConfig.config;
  check(
    params.case === "params" && params.value.size === 4n && params.value.distance === Distance.Cosine,
    "Get reports the vector params",
    info.config.params,
  );
  check(
    info.payloadSchema.city?.dataType === PayloadSchemaType.Keyword,
    "the payload schema lists the keyword index on city",
    info.payloadSchema,
  );

  // Get: integer and UUID ids round-trip with their type, payload values with theirs
  const got = await pointsApi.get({
    collectionName: NAME,
    ids: [pointId(5), pointId(UUID)],
    withPayload: withPayload(true),
    withVectors: { selectorOptions: { case: "enable", value: true } },
  });
  const byId = new Map(got.result.map((p) => [idOf(p), p]));
  sameList([...byId.keys()].sort(), [5, UUID].sort(), "Get: both ids");
  sameList(fromMap(byId.get(5).payload), payload(5), "Get: payload of 5");
  sameList(fromMap(byId.get(UUID).payload), { city: "Rome", n: 2.5, note: null }, "Get: UUID payload");
  const stored = byId.get(5).vectors.vectorsOptions;
  check(stored.case === "vector", "Get: an unnamed vector", stored);
  const data = stored.value.data.length > 0 ? stored.value.data : stored.value.vector.value.data;
  normalize(vector(5)).forEach((x, k) =>
    check(Math.abs(data[k] - x) < 1e-5, `Get: vector of 5, component ${k} (normalised)`, data),
  );

  // filtered search: Berlin points with n >= 3, nearest to q by cosine
  const q = [0.3, -0.2, 0.9, 0.1];
  const filter = { must: [keyword("city", "Berlin"), field("n", { range: { gte: 3 } })] };
  const expected = points
    .filter((p) => p.payload.city === "Berlin" && p.payload.n >= 3)
    .map((p) => ({ id: p.id, score: cosine(p.vector, q) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 5);
  const found = await pointsApi.search({
    collectionName: NAME,
    vector: q,
    filter,
    limit: 5n,
    withPayload: withPayload(true),
  });
  sameList(found.result.map(idOf), expected.map((h) => h.id), "Search: ids in score order");
  found.result.forEach((hit, k) => {
    const id = idOf(hit);
    check(Math.abs(hit.score - expected[k].score) < 1e-4, `Search: score of ${id}`, hit.score);
    sameList(fromMap(hit.payload), payload(id), `Search: payload of ${id}`);
  });
  const queried = await pointsApi.query({
    collectionName: NAME,
    query: { variant: { case: "nearest", value: { variant: { case: "dense", value: { data: q } } } } },
    filter,
    limit: 5n,
    withPayload: { selectorOptions: { case: "include", value: { fields: ["n"] } } },
  });
  sameList(queried.result.map(idOf), expected.map((h) => h.id), "Query: ids in score order");
  queried.result.forEach((hit, k) => {
    check(Math.abs(hit.score - expected[k].score) < 1e-4, "Query: score", hit.score);
    sameList(fromMap(hit.payload), { n: idOf(hit) }, "Query: payload selector");
  });
  const excluded = await pointsApi.query({
    collectionName: NAME,
    query: { variant: { case: "nearest", value: { variant: { case: "dense", value: { data: q } } } } },
    filter: { mustNot: [keyword("city", "Berlin"), keyword("city", "London")] },
    limit: 3n,
    offset: 1n,
    withPayload: { selectorOptions: { case: "exclude", value: { fields: ["tags", "nested"] } } },
  });
  const others = points
    .filter((p) => p.payload.city === "Paris")
    .map((p) => ({ id: p.id, score: cosine(p.vector, q) }))
    .concat([{ id: UUID, score: cosine([0, 0, 1, 0], q) }])
    .sort((a, b) => b.score - a.score)
    .slice(1, 4);
  sameList(excluded.result.map(idOf), others.map((h) => h.id), "Query: must_not, offset 1");
  excluded.result.forEach((hit) =>
    check(!("tags" in fromMap(hit.payload)), "Query: excluded payload keys", hit.payload),
  );

  // scroll through the London points, 3 at a time
  const london = { must: [keyword("city", "London")] };
  const scrolled = [];
  let offset = undefined;
  for (let pages = 0; pages < 10; pages++) {
    const page = await pointsApi.scroll({
      collectionName: NAME,
      filter: london,
      limit: 3,
      offset,
      withPayload: withPayload(true),
    });
    check(page.result.length <= 3, "Scroll: at most limit points per page", page.result.length);
    page.result.forEach((p) => check(fromMap(p.payload).city === "London", "Scroll: payload", p));
    scrolled.push(...page.result.map(idOf));
    offset = page.nextPageOffset;
    if (offset === undefined) break;
  }
  const londonIds = points.filter((p) => p.payload.city === "London").map((p) => p.id);
  sameList(scrolled, londonIds, "Scroll: every London point, by id");

  const count = async (flt) =>
    (await pointsApi.count({ collectionName: NAME, filter: flt, exact: true })).result.count;
  const berlin = { must: [keyword("city", "Berlin")] };
  check((await count(berlin)) === 8n, "Count Berlin", await count(berlin));
  check((await count(undefined)) === BigInt(N + 1), "Count all", await count(undefined));

  const deletedIds = await pointsApi.delete({
    collectionName: NAME,
    wait: true,
    points: {
      pointsSelectorOneOf: { case: "points", value: { ids: [pointId(0), pointId(3), pointId(UUID)] } },
    },
  });
  completed(deletedIds, "Delete by ids");
  const deletedParis = await pointsApi.delete({
    collectionName: NAME,
    wait: true,
    points: { pointsSelectorOneOf: { case: "filter", value: { must: [keyword("city", "Paris")] } } },
  });
  completed(deletedParis, "Delete by filter");
  check((await count(undefined)) === BigInt(N - 2 - 8), "Count after deletes");
  check((await count(berlin)) === 6n, "Berlin left", await count(berlin));
  const left = await pointsApi.get({
    collectionName: NAME,
    ids: [0, 1, 2, 3].map(pointId),
    withPayload: withPayload(false),
  });
  sameList(left.result.map(idOf).sort(), [1], "Get after deletes");
  check(Object.keys(left.result[0].payload).length === 0, "Get without payload", left.result[0]);

  // a missing collection is NOT_FOUND, as Qdrant answers
  try {
    await pointsApi.count({ collectionName: "js_grpc_missing", exact: true });
    check(false, "Count on a missing collection fails");
  } catch (error) {
    check(error instanceof ConnectError, "a missing collection raises ConnectError", `${error}`);
    check(error.code === 5, "a missing collection is NOT_FOUND (5)", error.code);
  }

  const dropped = await collections.delete({ collectionName: NAME });
  check(dropped.result === true, "Delete (collection) answers true", dropped);
  check(!(await exists()).exists, "no collection after the scenario");

  check(warnings.length === 0, "the client warned", warnings);
  console.log("js-client-grpc scenario: all checks passed");
}

// The client keeps its HTTP/2 session alive (and has no close()), so exit explicitly.
main().then(
  () => process.exit(0),
  (error) => {
    console.error(`js-client-grpc scenario failed: ${error.message}`);
    if (error.code !== undefined) console.error(`gRPC code: ${error.code}`);
    process.exit(1);
  },
);
