/**
 * Local stand-in for AWS Secrets Manager: a loopback HTTP endpoint speaking
 * the same JSON protocol (`GetSecretValue`, `PutSecretValue`), so the
 * functions read the secret through the very same `SecretsProvider` and SDK
 * client as in Lambda, with the same cache-and-refresh behaviour. As Secrets
 * Manager does, a new value becomes `AWSCURRENT` and the one before it
 * `AWSPREVIOUS` (`GetSecretValue` reads either by `VersionStage`). Values are
 * kept in `.data/secrets.json` (or memory).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { close, listen, parseJsonObject, readBody, sendAwsJson, sendAwsJsonError } from './http-util.js';
import { openJsonFile } from './json-file.js';

interface StoredVersion {
  value: string;
  versionId: string;
  /** Seconds since the epoch, as Secrets Manager's `CreatedDate`. */
  createdAt: number;
}

interface StoredSecret extends StoredVersion {
  /** The version before this one (`AWSPREVIOUS`), once the secret was put twice. */
  previous?: StoredVersion;
}

/** A running local secret store. */
export interface LocalSecretStore {
  /** Endpoint URL for `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  /** Reads a secret's current value. */
  getSecretValue(secretId: string): string | undefined;
  /** Writes a new current value, as `aws secretsmanager put-secret-value` would: the old one becomes `AWSPREVIOUS`. */
  putSecretValue(secretId: string, value: string): void;
  /** Makes the next `count` reads fail with a 500 `InternalServiceError`. */
  injectFaults(count: number): void;
  /** Clears injected faults. */
  resetFaults(): void;
  /** How many `GetSecretValue` calls were served. */
  readonly reads: number;
  close(): Promise<void>;
}

/** Starts the store; `path` undefined keeps secrets in memory. */
export async function startLocalSecretStore({ path }: { path: string | undefined }): Promise<LocalSecretStore> {
  const file = openJsonFile<Record<string, StoredSecret>>(path);
  const secrets: Record<string, StoredSecret> = file.read() ?? {};
  let faults = 0;
  let reads = 0;

  const awsError = (response: ServerResponse, status: number, type: string, message: string) =>
    sendAwsJsonError(response, '1.1', status, { type, message });

  const server: Server = createServer(async (request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const body = parseJsonObject(await readBody(request));
    const secretId = typeof body?.SecretId === 'string' ? body.SecretId : '';
    const stage = body?.VersionStage ?? 'AWSCURRENT';
    const stored =
      stage === 'AWSCURRENT' ? secrets[secretId] : stage === 'AWSPREVIOUS' ? secrets[secretId]?.previous : undefined;
    if (target === 'secretsmanager.GetSecretValue') {
      reads += 1;
      if (faults > 0) {
        faults -= 1;
        awsError(response, 500, 'InternalServiceError', 'Injected fault');
        return;
      }
      if (stored === undefined) {
        const message =
          secrets[secretId] === undefined
            ? "Secrets Manager can't find the specified secret."
            : `Secrets Manager can't find the specified secret value for staging label: ${String(stage)}`;
        awsError(response, 400, 'ResourceNotFoundException', message);
        return;
      }
      sendAwsJson(response, '1.1', {
        ARN: `arn:aws:secretsmanager:local:000000000000:secret:${secretId}`,
        Name: secretId,
        SecretString: stored.value,
        VersionId: stored.versionId,
        VersionStages: [stage],
        CreatedDate: stored.createdAt,
      });
      return;
    }
    if (target === 'secretsmanager.PutSecretValue' && typeof body?.SecretString === 'string') {
      store.putSecretValue(secretId, body.SecretString);
      sendAwsJson(response, '1.1', { ARN: secretId, Name: secretId, VersionId: secrets[secretId]?.versionId });
      return;
    }
    awsError(response, 400, 'InvalidRequestException', 'Unsupported operation');
  });
  const port = await listen(server, 0);

  const store: LocalSecretStore = {
    endpoint: `http://127.0.0.1:${port}`,
    getSecretValue: (secretId) => secrets[secretId]?.value,
    putSecretValue(secretId, value) {
      const current = secrets[secretId];
      const previous =
        current === undefined
          ? {}
          : { previous: { value: current.value, versionId: current.versionId, createdAt: current.createdAt } };
      secrets[secretId] = { value, versionId: randomUUID(), createdAt: Math.floor(Date.now() / 1000), ...previous };
      file.write(secrets);
    },
    injectFaults(count) {
      faults = count;
    },
    resetFaults() {
      faults = 0;
    },
    get reads() {
      return reads;
    },
    close: () => close(server),
  };
  return store;
}
