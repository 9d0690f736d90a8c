/** The official OpenSearch client as setup and verify use it: one attempt, 30 s, the operator's CA. */
import { Client } from '@opensearch-project/opensearch';

export function openSearchClient(url: string, username: string, password: string, ca: string | undefined): Client {
  return new Client({
    node: url,
    auth: { username, password },
    ...(ca ? { ssl: { ca } } : {}),
    maxRetries: 0,
    requestTimeout: 30_000,
  });
}
