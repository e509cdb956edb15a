/**
 * A synthesized CDK app as the access suite evaluates it: every stack's template with its
 * CloudFormation intrinsics resolved to the names and ARNs a deploy into a fixed account and
 * region would give, the roles with their identity policies, and the resource policies of the
 * key, tables, queues and secret.
 *
 * Physical names are invented deterministically from logical IDs (as CloudFormation invents
 * them); only their shape matters to IAM (a table ARN is `arn:aws:dynamodb:<region>:<account>:table/<name>`).
 */
import { createHash } from 'node:crypto';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** Where the app is deployed: environment-agnostic stacks land here. */
export const DEFAULT_ENV = { account: '111111111111', region: 'us-east-1', partition: 'aws' } as const;

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** A CloudFormation template, as CDK synthesizes it. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

interface StackModel {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

/** A role of the app, as IAM sees it once deployed. */
export interface RoleModel {
  /** The construct path of the role, e.g. `HumanConnectBackend/FinishSession/Role`. */
  readonly path: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly arn: string;
  readonly account: string;
  /** Its identity policies: the role's inline policies and every `AWS::IAM::Policy` attached to it. */
  readonly policies: readonly PolicyDocument[];
  /** Its tags. */
  readonly tags: Readonly<Record<string, string>>;
}

const shortHash = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

/** A CloudFormation-style physical name: `<stack>-<logicalId>-<suffix>`. */
function physicalName(stack: string, logicalId: string, maxLength = 64): string {
  const suffix = shortHash(`${stack}/${logicalId}`, 12).toUpperCase();
  return `${`${stack}-${logicalId}`.slice(0, maxLength - suffix.length - 1)}-${suffix}`;
}

/** The resolved templates of a synthesized app. */
export class CloudModel {
  private readonly stacks = new Map<string, StackModel>();

  /**
   * @param assembly - the app's cloud assembly (`app.synth()`); environment-agnostic stacks land in {@link DEFAULT_ENV}
   * @param mutate - changes a template before it is read (the regression tests break what the suite must catch)
   */
  constructor(assembly: CloudAssembly, mutate?: (stack: string, template: CfnTemplate) => void) {
    for (const artifact of assembly.stacks) {
      const account =
        artifact.environment.account === 'unknown-account' ? DEFAULT_ENV.account : artifact.environment.account;
      const region =
        artifact.environment.region === 'unknown-region' ? DEFAULT_ENV.region : artifact.environment.region;
      const template = structuredClone(artifact.template) as CfnTemplate;
      mutate?.(artifact.stackName, template);
      this.stacks.set(artifact.stackName, { name: artifact.stackName, account, region, template });
    }
  }

  /** The stack named `name`. */
  stack(name: string): StackModel {
    const stack = this.stacks.get(name);
    if (stack === undefined) throw new Error(`no stack ${name}`);
    return stack;
  }

  /** The logical ID of the one resource of `stack` whose construct path ends with `pathSuffix`. */
  logicalIdAt(stack: string, pathSuffix: string): string {
    const matches = Object.entries(this.stack(stack).template.Resources)
      .filter(([, resource]) => String(resource.Metadata?.['aws:cdk:path'] ?? '').endsWith(pathSuffix))
      .map(([id]) => id);
    if (matches.length !== 1 || matches[0] === undefined) {
      throw new Error(`${matches.length} resources of ${stack} at …${pathSuffix}`);
    }
    return matches[0];
  }

  /** The logical IDs of every resource of `type` in `stack`. */
  logicalIdsOf(stack: string, type: string): string[] {
    return Object.entries(this.stack(stack).template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([id]) => id);
  }

  /** A resource's properties, resolved. */
  properties(stack: string, logicalId: string): Record<string, unknown> {
    const resource = this.resource(stack, logicalId);
    return this.resolve(stack, resource.Properties ?? {}) as Record<string, unknown>;
  }

  /** `Ref` of a resource, as CloudFormation answers it for its type. */
  ref(stack: string, logicalId: string): string {
    const { Type: type, Properties: props = {} } = this.resource(stack, logicalId);
    const { account, region } = this.stack(stack);
    const name = (given: unknown) => (typeof given === 'string' ? given : physicalName(stack, logicalId));
    switch (type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${name(props.QueueName)}`;
      case 'AWS::KMS::Key':
        return `${shortHash(logicalId, 8)}-${shortHash(`${logicalId}1`, 4)}-4${shortHash(`${logicalId}2`, 3)}-8${shortHash(`${logicalId}3`, 3)}-${shortHash(`${logicalId}4`, 12)}`;
      case 'AWS::SecretsManager::Secret':
        return this.getAtt(stack, logicalId, 'Arn');
      case 'AWS::Logs::LogGroup':
        return name(this.resolve(stack, props.LogGroupName));
      case 'AWS::ApiGatewayV2::Api':
        return shortHash(logicalId, 10);
      case 'AWS::IAM::Role':
        return name(props.RoleName);
      default:
        return name(undefined);
    }
  }

  /** `Fn::GetAtt` of a resource. */
  getAtt(stack: string, logicalId: string, attribute: string): string {
    const { Type: type, Properties: props = {} } = this.resource(stack, logicalId);
    const { account, region } = this.stack(stack);
    const partition = DEFAULT_ENV.partition;
    const ref = () => this.ref(stack, logicalId);
    const arns: Record<string, () => string> = {
      'AWS::IAM::Role': () =>
        `arn:${partition}:iam::${account}:role${(this.resolve(stack, props.Path) as string | undefined) ?? '/'}${ref()}`,
      'AWS::DynamoDB::GlobalTable': () => `arn:${partition}:dynamodb:${region}:${account}:table/${ref()}`,
      'AWS::DynamoDB::Table': () => `arn:${partition}:dynamodb:${region}:${account}:table/${ref()}`,
      'AWS::KMS::Key': () => `arn:${partition}:kms:${region}:${account}:key/${ref()}`,
      'AWS::SQS::Queue': () => `arn:${partition}:sqs:${region}:${account}:${ref().split('/').pop()}`,
      'AWS::SecretsManager::Secret': () =>
        `arn:${partition}:secretsmanager:${region}:${account}:secret:${physicalName(stack, logicalId)}-${shortHash(logicalId, 6)}`,
      'AWS::Logs::LogGroup': () => `arn:${partition}:logs:${region}:${account}:log-group:${ref()}:*`,
      'AWS::Lambda::Function': () => `arn:${partition}:lambda:${region}:${account}:function:${ref()}`,
      'AWS::Events::Rule': () => `arn:${partition}:events:${region}:${account}:rule/${ref()}`,
    };
    if (attribute === 'Arn' && arns[type] !== undefined) return (arns[type] as () => string)();
    if (type === 'AWS::SQS::Queue' && attribute === 'QueueName') return ref().split('/').pop() ?? '';
    if (type === 'AWS::SQS::Queue' && attribute === 'QueueUrl') return ref();
    if (type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') {
      return `https://${ref()}.execute-api.${region}.amazonaws.com`;
    }
    if (type === 'AWS::IAM::Role' && attribute === 'RoleId') return `AROA${shortHash(logicalId, 16).toUpperCase()}`;
    return `${ref()}.${attribute}`;
  }

  /** Resolves the intrinsics of a template value in `stack`. */
  resolve(stack: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(stack, first[0], first[1]);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(stack, item)]));
  }

  private intrinsic(stack: string, name: string, argument: unknown): unknown {
    const { account, region } = this.stack(stack);
    switch (name) {
      case 'Ref': {
        const pseudo: Record<string, string> = {
          'AWS::AccountId': account,
          'AWS::Region': region,
          'AWS::Partition': DEFAULT_ENV.partition,
          'AWS::URLSuffix': 'amazonaws.com',
          'AWS::StackName': stack,
        };
        const id = String(argument);
        return pseudo[id] ?? this.ref(stack, id);
      }
      case 'Fn::GetAtt': {
        const [id, attribute] = argument as [string, string];
        return this.getAtt(stack, id, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(stack, parts) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [number, unknown];
        return (this.resolve(stack, list) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(this.resolve(stack, text)).split(separator);
      }
      case 'Fn::Sub': {
        const [template, variables = {}] = (typeof argument === 'string' ? [argument] : argument) as [
          string,
          Record<string, unknown>?,
        ];
        return template.replace(/\$\{([^}]+)\}/g, (_, expression: string) => {
          if (expression in variables) return String(this.resolve(stack, variables[expression]));
          const [id = '', attribute] = expression.split('.');
          return String(attribute === undefined ? this.intrinsic(stack, 'Ref', id) : this.getAtt(stack, id, attribute));
        });
      }
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName } = argument as { StackName: unknown; OutputName: unknown };
        return this.output(String(this.resolve(stack, StackName)), String(OutputName));
      }
      case 'Fn::ImportValue': {
        const exportName = String(this.resolve(stack, argument));
        for (const other of this.stacks.values()) {
          for (const [outputName, output] of Object.entries(other.template.Outputs ?? {})) {
            const exported = (output as { Export?: { Name: unknown } }).Export?.Name;
            if (exported !== undefined && this.resolve(other.name, exported) === exportName) {
              return this.output(other.name, outputName);
            }
          }
        }
        throw new Error(`no export ${exportName}`);
      }
      default:
        throw new Error(`the access model does not resolve ${name} (in ${stack})`);
    }
  }

  private output(stack: string, outputName: string): unknown {
    const output = this.stack(stack).template.Outputs?.[outputName];
    if (output === undefined) throw new Error(`no output ${outputName} in ${stack}`);
    return this.resolve(stack, output.Value);
  }

  private resource(stack: string, logicalId: string): CfnResource {
    const resource = this.stack(stack).template.Resources[logicalId];
    if (resource === undefined) throw new Error(`no resource ${logicalId} in ${stack}`);
    return resource;
  }

  /** Every role of every stack, with its identity policies. */
  roles(): RoleModel[] {
    const roles: RoleModel[] = [];
    for (const stack of this.stacks.values()) {
      for (const logicalId of this.logicalIdsOf(stack.name, 'AWS::IAM::Role')) {
        const props = this.properties(stack.name, logicalId);
        if (props.ManagedPolicyArns !== undefined) throw new Error(`${logicalId}: managed policies are not modelled`);
        const inline = ((props.Policies as { PolicyDocument: PolicyDocument }[] | undefined) ?? []).map(
          (policy) => policy.PolicyDocument,
        );
        const roleName = this.ref(stack.name, logicalId);
        const attached = this.policiesAttachedTo(roleName);
        const tags = Object.fromEntries(
          ((props.Tags as { Key: string; Value: string }[] | undefined) ?? []).map(({ Key, Value }) => [Key, Value]),
        );
        const path = String(this.resource(stack.name, logicalId).Metadata?.['aws:cdk:path'] ?? '').replace(
          /\/Resource$/,
          '',
        );
        roles.push({
          path,
          stack: stack.name,
          logicalId,
          arn: this.getAtt(stack.name, logicalId, 'Arn'),
          account: stack.account,
          policies: [...inline, ...attached],
          tags,
        });
      }
    }
    return roles;
  }

  /**
   * The resource policy of the resource `arn` names, as IAM evaluates it with a request on that
   * resource: a key's key policy, a table's (or its index's) resource policy, a queue's queue
   * policies, a secret's resource policy; `undefined` when it has none or is not in the app.
   */
  resourcePolicyFor(arn: string): PolicyDocument | undefined {
    for (const stack of this.stacks.values()) {
      for (const [id, resource] of Object.entries(stack.template.Resources)) {
        const props = () => this.properties(stack.name, id);
        switch (resource.Type) {
          case 'AWS::KMS::Key':
            if (this.getAtt(stack.name, id, 'Arn') === arn) return props().KeyPolicy as PolicyDocument;
            break;
          case 'AWS::DynamoDB::GlobalTable': {
            const tableArn = this.getAtt(stack.name, id, 'Arn');
            if (arn === tableArn || arn.startsWith(`${tableArn}/index/`)) {
              const replicas = props().Replicas as { ResourcePolicy?: { PolicyDocument: PolicyDocument } }[];
              return replicas[0]?.ResourcePolicy?.PolicyDocument;
            }
            break;
          }
          case 'AWS::SQS::Queue':
            if (this.getAtt(stack.name, id, 'Arn') === arn)
              return this.attachedPolicy('AWS::SQS::QueuePolicy', 'Queues', this.ref(stack.name, id));
            break;
          case 'AWS::SecretsManager::Secret':
            if (this.getAtt(stack.name, id, 'Arn') === arn)
              return this.attachedPolicy('AWS::SecretsManager::ResourcePolicy', 'SecretId', arn);
            break;
          default:
            break;
        }
      }
    }
    return undefined;
  }

  /** The statements of every policy resource of `type` whose `property` names `target`, as one document. */
  private attachedPolicy(type: string, property: string, target: string): PolicyDocument | undefined {
    const statements = [...this.stacks.values()].flatMap((stack) =>
      this.logicalIdsOf(stack.name, type)
        .map((id) => this.properties(stack.name, id))
        .filter((policy) => [policy[property]].flat().includes(target))
        .flatMap((policy) => ((policy.PolicyDocument ?? policy.ResourcePolicy) as PolicyDocument).Statement),
    );
    return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
  }

  /** The identity policies attached, in any stack, to the role named `roleName` (an imported role's). */
  policiesAttachedTo(roleName: string): PolicyDocument[] {
    return [...this.stacks.values()].flatMap((stack) =>
      this.logicalIdsOf(stack.name, 'AWS::IAM::Policy')
        .map((id) => this.properties(stack.name, id))
        .filter((policy) => (policy.Roles as string[] | undefined)?.includes(roleName) === true)
        .map((policy) => policy.PolicyDocument as PolicyDocument),
    );
  }

  /** The role whose construct path ends with `pathSuffix` (e.g. `/FinishSession/Role`). */
  role(pathSuffix: string): RoleModel {
    const matches = this.roles().filter((role) => role.path.endsWith(pathSuffix));
    if (matches.length !== 1 || matches[0] === undefined) throw new Error(`${matches.length} roles at …${pathSuffix}`);
    return matches[0];
  }
}
