// What the suites share: the live server scripts/test-sdks.sh started (URL and keys from the
// environment) and a helper that polls a condition with a deadline.
import { randomUUID } from "node:crypto";
import { InfracastClient } from "../dist/index.js";

function setting(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suites through scripts/test-sdks.sh`);
  return value;
}

export const API_URL = setting("INFRACAST_API_URL");
export const DEMO_KEY = setting("INFRACAST_DEMO_KEY");
export const PLATFORM_KEY = setting("INFRACAST_PLATFORM_KEY");
export const DEMO = "demo";

export const demoClient = (options = {}) => new InfracastClient({ apiUrl: API_URL, apiToken: DEMO_KEY, ...options });
export const platformClient = (options = {}) =>
  new InfracastClient({ apiUrl: API_URL, apiToken: PLATFORM_KEY, ...options });
export const unique = (prefix) => `${prefix}-${randomUUID().slice(0, 10)}`;

/** Calls `condition` until it returns something other than undefined, or throws after `timeoutMs`. */
export async function poll(condition, { timeoutMs, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await condition();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function instanceNamed(client, tenant, name) {
  const page = await client.nodes.list({ tenant, types: ["aws.ec2.instance"], q: name });
  const matches = page.items.filter((node) => node.name === name);
  if (matches.length !== 1) throw new Error(`expected one instance named ${name}, got ${matches.length}`);
  return matches[0];
}

export async function collect(iterator) {
  const items = [];
  for await (const item of iterator) items.push(item);
  return items;
}
