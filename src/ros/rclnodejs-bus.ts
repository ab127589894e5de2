/**
 * The `Bus` port over a real ROS 2 node, through rclnodejs (DESIGN "ROS 2"). rclnodejs is an optional
 * peer dependency, loaded lazily with `await import('rclnodejs')` only when a command asks for ROS 2, so
 * `npm ci` and everything else work without ROS 2.
 *
 * The adapter codes against `RclnodejsModule`, the narrow slice of rclnodejs it uses. `npm run check:ros`
 * installs the real package into a temporary folder (`--ignore-scripts`) and checks that
 * `typeof import('rclnodejs')` satisfies this slice, so a changed signature upstream fails CI here.
 *
 * QoS: rclnodejs copies only history, depth, reliability, durability and liveliness into the profile, so
 * deadline and lifespan are not set; the deploy runner watches staleness itself.
 */
import { Observable } from 'rxjs';
import { QOS_PRESETS, type Qos } from '../config/qos.js';
import { GailBridgeError } from '../core/errors.js';
import {
  type Bus,
  type BusClock,
  type MessageOf,
  type ParameterValue,
  type Publisher,
  parameterKind,
  type RequestOf,
  type ResponseOf,
  type ServiceClient,
  type ServiceServer,
} from './bus.js';

/** Distros rclnodejs 2.x ships prebuilt bindings for. */
export const SUPPORTED_DISTROS = ['humble', 'jazzy', 'kilted'] as const;

/**
 * How rclnodejs is installed into a gail-bridge folder once ROS 2 is sourced (it builds its native addon
 * against the sourced distro when no prebuilt binary fits, e.g. on Debian). One place: the docs, the 'not
 * installed' message and `npm run test:ros2` use it.
 * - `--save-peer`: rclnodejs is an optional peer of gail-bridge, and npm 11 answers a plain
 *   `npm install --no-save rclnodejs` with "up to date" and installs nothing (measured with npm 11.19;
 *   npm 10 installs it either way); with `--no-save` package.json and the lock file stay as they are.
 * - `npm_config_yes=true`: rclnodejs's source build runs `npx rimraf`, which npx refuses to fetch
 *   without a yes ("npx canceled due to missing packages").
 */
export const RCLNODEJS_INSTALL = {
  env: { npm_config_yes: 'true' },
  argv: ['npm', 'install', '--no-save', '--save-peer', 'rclnodejs@^2.2.0'],
  /** As a shell line, for messages and docs. */
  line: 'npm_config_yes=true npm install --no-save --save-peer rclnodejs@^2.2.0',
} as const;

/** The message when ROS 2 is not sourced or rclnodejs cannot load it. */
export const ROS_NOT_FOUND =
  'ROS 2 not found: source /opt/ros/<distro>/setup.bash (supported: Humble, Jazzy, Kilted)';

/** rclnodejs's QoS constructor arguments (history, depth, reliability, durability). */
interface RclQosCtor {
  new (history?: number, depth?: number, reliability?: number, durability?: number): object;
}

interface RclEntity {
  isDestroyed?(): boolean;
}

interface RclPublisher extends RclEntity {
  publish(message: never): void;
}

interface RclClient extends RclEntity {
  isServiceServerAvailable(): boolean;
  waitForService(timeout?: number): Promise<boolean>;
  sendRequestAsync(request: never, options?: { timeout?: number }): Promise<unknown>;
}

interface RclServiceResponse {
  send(response: never): void;
}

interface RclParameter {
  readonly value: unknown;
}

interface RclTime {
  readonly nanoseconds: bigint;
}

/** The slice of an rclnodejs Node the adapter uses. */
export interface RclNode {
  createPublisher(typeClass: never, topic: string, options?: { qos?: never }): RclPublisher;
  createSubscription(
    typeClass: never,
    topic: string,
    options: { qos?: never },
    callback: (message: unknown) => void,
  ): RclEntity;
  createClient(typeClass: never, serviceName: string): RclClient;
  createService(
    typeClass: never,
    serviceName: string,
    callback: (request: unknown, response: RclServiceResponse) => void,
  ): RclEntity;
  destroyPublisher(publisher: never): void;
  destroySubscription(subscription: never): void;
  destroyClient(client: never): void;
  destroyService(service: never): void;
  countPublishers(topic: string): number;
  countSubscribers(topic: string): number;
  declareParameter(parameter: never): RclParameter;
  getParameter(name: string): RclParameter;
  hasParameter(name: string): boolean;
  setParameter(parameter: never): { successful: boolean; reason: string };
  now(): RclTime;
  spin(timeout?: number): void;
  destroy(): void;
}

/** The slice of the rclnodejs module the adapter uses. */
export interface RclnodejsModule {
  init(): Promise<void>;
  isShutdown(): boolean;
  shutdown(): void;
  removeSignalHandlers(): void;
  createNode(nodeName: string, namespace?: string): RclNode;
  QoS: RclQosCtor;
  Parameter: new (name: string, type: never, value?: unknown) => object;
}

// rmw enum values (rclnodejs QoS.HistoryPolicy / ReliabilityPolicy / DurabilityPolicy; ParameterType).
const KEEP_LAST = 1;
const RELIABILITY = { reliable: 1, best_effort: 2 } as const;
const DURABILITY = { transient_local: 1, volatile: 2 } as const;
const PARAMETER_TYPE = {
  boolean: 1,
  integer: 2,
  number: 3,
  string: 4,
  'number[]': 8,
  'string[]': 9,
} as const;

/**
 * Loads rclnodejs, or throws a `ros` error saying how to get ROS 2. `load` is injectable for tests
 * (the default is the dynamic import).
 */
export async function loadRclnodejs(
  load: () => Promise<unknown> = () => import('rclnodejs' as string),
  env: NodeJS.ProcessEnv = process.env,
): Promise<RclnodejsModule> {
  const distro = env.ROS_DISTRO;
  if (!distro) throw new GailBridgeError('ros', `${ROS_NOT_FOUND}; ROS_DISTRO is not set`);
  if (!(SUPPORTED_DISTROS as readonly string[]).includes(distro))
    throw new GailBridgeError('ros', `${ROS_NOT_FOUND}; ROS_DISTRO=${distro} is not supported`);
  let mod: unknown;
  try {
    mod = await load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new GailBridgeError(
        'ros',
        `rclnodejs is not installed: with ROS 2 ${distro} sourced, run \`${RCLNODEJS_INSTALL.line}\` in the gail-bridge folder`,
        { cause: err },
      );
    throw new GailBridgeError('ros', `${ROS_NOT_FOUND}; loading rclnodejs failed: ${String(err)}`, {
      cause: err,
    });
  }
  const m = (mod as { default?: unknown }).default ?? mod;
  return m as RclnodejsModule;
}

let initialised: Promise<void> | undefined;
/** Buses alive in this process: the context is shut down when the last one is disposed. */
let liveBuses = 0;

/**
 * Creates a node over rclnodejs (initialising the ROS context once per process) and spins it.
 *
 * rclnodejs installs a SIGINT handler at import that shuts every context down at once. The bridge's
 * commands handle SIGINT themselves (deploy must publish the safe command over a live node first; record
 * must finish its file), so that handler is removed: with it, Ctrl-C left deploy with a dead context,
 * `Cannot read properties of null (reading 'now')`, exit 1 and no safe command. The context is shut down
 * here instead, when the last bus is disposed, so that the process can exit.
 */
export async function createRclnodejsBus(
  name: string,
  options: { useSimTime?: boolean; rcl?: RclnodejsModule; namespace?: string } = {},
): Promise<RclnodejsBus> {
  const rcl = options.rcl ?? (await loadRclnodejs());
  rcl.removeSignalHandlers();
  if (!initialised || rcl.isShutdown()) initialised = rcl.init();
  await initialised;
  const ns = (options.namespace ?? '').replace(/^\/+|\/+$/g, '');
  const node = ns === '' ? rcl.createNode(name) : rcl.createNode(name, `/${ns}`);
  liveBuses++;
  const bus = new RclnodejsBus(rcl, node, name, () => {
    liveBuses--;
    if (liveBuses === 0 && !rcl.isShutdown()) {
      rcl.shutdown();
      initialised = undefined;
    }
  });
  if (options.useSimTime) bus.declareParameter('use_sim_time', true);
  node.spin();
  return bus;
}

/** The `Bus` port over one rclnodejs node, which it owns. */
export class RclnodejsBus implements Bus {
  readonly clock: BusClock;
  private readonly owned = new Set<{ dispose(): void }>();
  private disposed = false;

  constructor(
    private readonly rcl: RclnodejsModule,
    private readonly node: RclNode,
    readonly name: string,
    /** Called once after the node is destroyed (createRclnodejsBus shuts the context down after the last). */
    private readonly onDisposed: () => void = () => {},
  ) {
    const kind = (): 'wall' | 'sim' =>
      this.node.hasParameter('use_sim_time') && this.getParameter('use_sim_time') === true ? 'sim' : 'wall';
    this.clock = {
      get kind() {
        return kind();
      },
      now: () => Number(this.node.now().nanoseconds) * 1e-9,
    };
  }

  private qos(q: Qos): never {
    return new this.rcl.QoS(
      KEEP_LAST,
      q.depth,
      RELIABILITY[q.reliability],
      DURABILITY[q.durability],
    ) as never;
  }

  subscribe<K extends string>(
    topic: string,
    type: K,
    qos: Qos = QOS_PRESETS.reliable,
  ): Observable<MessageOf<K>> {
    this.assertLive(`subscribe to ${topic}`);
    return new Observable<MessageOf<K>>((subscriber) => {
      if (this.disposed) {
        subscriber.error(
          new GailBridgeError('state', `node ${this.name}: subscribe to ${topic} after dispose`),
        );
        return;
      }
      const sub = created(`a subscription to ${topic}`, type, () =>
        this.node.createSubscription(type as never, topic, { qos: this.qos(qos) }, (msg: unknown) =>
          subscriber.next(msg as MessageOf<K>),
        ),
      );
      let live = true;
      const handle = {
        dispose: () => {
          if (!live) return;
          live = false;
          this.owned.delete(handle);
          this.node.destroySubscription(sub as never);
          subscriber.complete();
        },
      };
      this.owned.add(handle);
      return () => handle.dispose();
    });
  }

  publisher<K extends string>(
    topic: string,
    type: K,
    qos: Qos = QOS_PRESETS.reliable,
  ): Publisher<MessageOf<K>> {
    this.assertLive(`create a publisher on ${topic}`);
    const pub = created(`a publisher on ${topic}`, type, () =>
      this.node.createPublisher(type as never, topic, { qos: this.qos(qos) }),
    );
    let live = true;
    const handle: Publisher<MessageOf<K>> = {
      topic,
      type,
      publish: (message) => {
        if (!live) throw new GailBridgeError('state', `node ${this.name}: publish on ${topic} after dispose`);
        try {
          pub.publish(message as never);
        } catch (err) {
          // rclnodejs refuses a mistyped field with a bare TypeError/RangeError; name the topic and type.
          throw new GailBridgeError(
            'ros',
            `topic ${topic} (${type}): rclnodejs refused the message: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
      },
      dispose: () => {
        if (!live) return;
        live = false;
        this.owned.delete(handle);
        this.node.destroyPublisher(pub as never);
      },
    };
    this.owned.add(handle);
    return handle;
  }

  countPublishers(topic: string): number {
    this.assertLive(`count publishers on ${topic}`);
    return this.node.countPublishers(topic);
  }

  countSubscribers(topic: string): number {
    this.assertLive(`count subscribers on ${topic}`);
    return this.node.countSubscribers(topic);
  }

  serviceClient<K extends string>(service: string, type: K): ServiceClient<RequestOf<K>, ResponseOf<K>> {
    this.assertLive(`create a client of ${service}`);
    const client = created(`a client of ${service}`, type, () =>
      this.node.createClient(type as never, service),
    );
    let live = true;
    const check = (): void => {
      if (!live) throw new GailBridgeError('state', `client of ${service}: used after dispose`);
    };
    const handle: ServiceClient<RequestOf<K>, ResponseOf<K>> = {
      service,
      isServiceAvailable: () => {
        check();
        return client.isServiceServerAvailable();
      },
      waitForService: (timeoutMs) => {
        check();
        return client.waitForService(timeoutMs);
      },
      call: async (request, timeoutMs = 1000) => {
        check();
        if (!(await client.waitForService(timeoutMs)))
          throw new GailBridgeError(
            'ros',
            `service ${service}: no server answered within ${timeoutMs} ms (is the node that serves it running?)`,
          );
        return (await client.sendRequestAsync(request as never, { timeout: timeoutMs })) as ResponseOf<K>;
      },
      dispose: () => {
        if (!live) return;
        live = false;
        this.owned.delete(handle);
        this.node.destroyClient(client as never);
      },
    };
    this.owned.add(handle);
    return handle;
  }

  serviceServer<K extends string>(
    service: string,
    type: K,
    handler: (request: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>>,
  ): ServiceServer {
    this.assertLive(`serve ${service}`);
    const server = created(`the service ${service}`, type, () =>
      this.node.createService(type as never, service, (request, response) => {
        Promise.resolve()
          .then(() => handler(request as RequestOf<K>))
          .then((r) => response.send(r as never))
          .catch((err: unknown) => {
            // A throwing handler leaves the caller to its timeout, as in rclcpp; say why on stderr.
            process.stderr.write(`gail-bridge: service ${service} handler failed: ${String(err)}\n`);
          });
      }),
    );
    let live = true;
    const handle: ServiceServer = {
      service,
      dispose: () => {
        if (!live) return;
        live = false;
        this.owned.delete(handle);
        this.node.destroyService(server as never);
      },
    };
    this.owned.add(handle);
    return handle;
  }

  declareParameter(name: string, defaultValue: ParameterValue): ParameterValue {
    this.assertLive(`declare parameter ${name}`);
    const p = this.node.declareParameter(
      new this.rcl.Parameter(name, paramType(defaultValue), defaultValue) as never,
    );
    return fromRclValue(p.value);
  }

  getParameter(name: string): ParameterValue {
    this.assertLive(`get parameter ${name}`);
    if (!this.node.hasParameter(name))
      throw new GailBridgeError('ros', `node ${this.name}: parameter ${name} is not declared`);
    return fromRclValue(this.node.getParameter(name).value);
  }

  setParameter(name: string, value: ParameterValue): void {
    const current = this.getParameter(name);
    if (parameterKind(current) !== parameterKind(value))
      throw new GailBridgeError(
        'ros',
        `node ${this.name}: parameter ${name} is ${parameterKind(current)}, cannot set a ${parameterKind(value)}`,
      );
    const res = this.node.setParameter(new this.rcl.Parameter(name, paramType(value), value) as never);
    if (!res.successful)
      throw new GailBridgeError('ros', `node ${this.name}: setting ${name} failed: ${res.reason}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const e of [...this.owned]) e.dispose();
    this.node.destroy();
    this.onDisposed();
  }

  private assertLive(what: string): void {
    if (this.disposed) throw new GailBridgeError('state', `node ${this.name}: cannot ${what} after dispose`);
  }
}

/** rclnodejs parameter type of a value (integers as INTEGER, other numbers as DOUBLE). */
function paramType(v: ParameterValue): never {
  const kind = parameterKind(v);
  if (kind === 'number')
    return (Number.isInteger(v) ? PARAMETER_TYPE.integer : PARAMETER_TYPE.number) as never;
  return PARAMETER_TYPE[kind as keyof typeof PARAMETER_TYPE] as never;
}

/** rclnodejs returns INTEGER parameters as bigint; the port speaks numbers. */
function fromRclValue(v: unknown): ParameterValue {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'bigint' ? Number(x) : x)) as ParameterValue;
  return v as ParameterValue;
}

/**
 * Runs an rclnodejs create call, turning its failure into a `ros` error that names the entity and type.
 * rclnodejs fails here when an interface's generated JavaScript exists but its type support library does
 * not (an overlay built, generated for, then removed or not sourced): the message of the dlopen error
 * alone ("libgail_bridge_msgs__rosidl_typesupport_c.so: cannot open shared object file") crashed the sim.
 */
function created<T>(what: string, type: string, create: () => T): T {
  try {
    return create();
  } catch (err) {
    throw new GailBridgeError(
      'ros',
      `cannot create ${what} (${type}): ${err instanceof Error ? err.message : String(err)}; is the package that defines ${type.split('/')[0]} built and its overlay sourced?`,
      { cause: err },
    );
  }
}
