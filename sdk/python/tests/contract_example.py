from infracast import InfracastClient

client = InfracastClient(
api_url="https://api.infracast.io",
api_token="your-token"
)

# List nodes
nodes = client.nodes.list(
tenant="my-tenant",
types=["aws.ec2.instance"],
region="us-east-1"
)

# Get compliance summary
summary = client.compliance.summary(tenant="my-tenant")
print(f"Overall score: {summary.score}%")

# Trace path
result = client.pathtracer.trace(
tenant="my-tenant",
source_node_id="aws:us-east-1:aws.ec2.instance:web-01",
destination_cidr="0.0.0.0/0",
port=443,
protocol="tcp"
)
print(f"Reachable: {result.reachable}")
