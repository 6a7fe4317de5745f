// Compiled with `tsc --noEmit -p test/tsconfig.json` by the suite: the published declarations
// give callers typed answers, and misuse fails to compile (each @ts-expect-error must be needed).
import { InfracastClient, NotFoundError, type Node, type TraceResult } from "../dist/index.js";

export async function usage(client: InfracastClient): Promise<void> {
  const page = await client.nodes.list({ tenant: "t", types: ["aws.ec2.instance"], region: "us-east-1" });
  const first: Node | undefined = page.items[0];
  const name: string | undefined = first?.name;
  const trace: TraceResult = await client.pathtracer.trace({
    tenant: "t",
    source_node_id: "aws:us-east-1:aws.ec2.instance:web-01",
    destination_cidr: "0.0.0.0/0",
    port: 443,
    protocol: "tcp",
  });
  const reachable: boolean = trace.reachable;
  const reason: string = trace.forward_hops[0].reason_code;
  const score: number | null = (await client.compliance.summary({ tenant: "t" })).score;
  for await (const finding of client.findings.iter({ tenant: "t", severity: ["HIGH"] })) {
    const severity: string = finding.severity;
    void severity;
  }
  try {
    await client.nodes.get({ tenant: "t", node_id: "x" });
  } catch (error) {
    if (error instanceof NotFoundError) {
      const status: number | undefined = error.status;
      void status;
    }
  }
  // @ts-expect-error tenant is required
  await client.nodes.list({ types: ["aws.ec2.instance"] });
  // @ts-expect-error protocol is one of tcp, udp, icmp, all
  await client.pathtracer.trace({ tenant: "t", source_node_id: "x", destination_cidr: "0.0.0.0/0", protocol: "sctp" });
  // @ts-expect-error reachable is a boolean
  const wrong: string = trace.reachable;
  void [name, reachable, reason, score, wrong];
}
