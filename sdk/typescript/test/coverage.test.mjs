// Every operation of the served OpenAPI document is in OPERATIONS, and every method named there
// exists on the client (not the reverse: the table may list operations a newer server has).
import assert from "node:assert/strict";
import { test } from "node:test";
import { InfracastClient, OPERATIONS } from "../dist/index.js";
import { API_URL } from "./live.mjs";

const HTTP_METHODS = new Set(["get", "post", "put", "patch", "delete"]);
const normalised = (path) => path.replace(/\{[^}]+\}/g, "{}");

test("every served operation is covered", async () => {
  const client = new InfracastClient({ apiUrl: API_URL });
  const document = await client.health.openapi();
  const served = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      if (HTTP_METHODS.has(method)) served.push(`${method.toUpperCase()} ${normalised(path)}`);
    }
  }
  assert.ok(served.length > 40);
  const covered = new Set(OPERATIONS.map(([method, path]) => `${method} ${normalised(path)}`));
  assert.deepEqual(
    served.filter((operation) => !covered.has(operation)),
    [],
  );
});

test("every listed method exists", () => {
  const client = new InfracastClient({ apiUrl: API_URL });
  for (const [method, path, name] of OPERATIONS) {
    const [resource, fn] = name.split(".");
    assert.equal(typeof client[resource]?.[fn], "function", `${name} for ${method} ${path}`);
  }
});
