/**
 * The in-process bus: the `Bus` port without ROS 2, first-class (STYLE 9). Several nodes share one
 * `InProcessGraph`, as ROS 2 nodes share a domain. Delivery mimics DDS closely enough for the bridge's
 * logic to be tested on it: every message is checked against its ROS 2 definition as strictly as rclnodejs
 * checks it (message-check.ts: 64-bit integers as bigint, array lengths, field types, no unknown fields) and
 * copied into the shape rclnodejs delivers (typed arrays for numeric sequences), then delivered on
 * the graph's rxjs scheduler (a `TestScheduler` gives a virtual clock), queued per subscription with
 * KEEP_LAST `depth` (the oldest is dropped when a slow subscriber falls behind), matched by the QoS
 * request/offered rules, and transient-local publishers replay their last `depth` messages to late joiners.
 */
import type { MessageDefinition } from '@foxglove/message-definition';
import { asapScheduler, Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import { QOS_PRESETS, type Qos, qosCompatible } from '../config/qos.js';
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
import { messageDefinition, serviceDefinition } from './interfaces.js';
import { conformMessage } from './message-check.js';
import { fromTime, type Time } from './messages.js';

interface PubEntry {
  readonly node: string;
  readonly qos: Qos;
  /** Last `depth` messages, kept only for transient-local publishers. */
  readonly history: unknown[];
}

interface SubEntry {
  readonly node: string;
  readonly qos: Qos;
  readonly queue: unknown[];
  scheduled: boolean;
  active: boolean;
  readonly subscriber: Subscriber<unknown>;
}

interface TopicState {
  type: string;
  /** The type's definition, which every published message is checked against. */
  def: MessageDefinition;
  readonly publishers: Set<PubEntry>;
  readonly subscribers: Set<SubEntry>;
}

interface ServiceEntry {
  readonly type: string;
  readonly node: string;
  readonly handler: (request: unknown) => unknown;
}

/** Options of one in-process node. */
export interface InProcessNodeOptions {
  /** Follow /clock (rosgraph_msgs/Clock) instead of the scheduler's clock (ROS `use_sim_time`). */
  readonly useSimTime?: boolean;
  /** Parameter overrides, as `--ros-args -p name:=value` would give. */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** The node's namespace, as `--ros-args -r __ns:=/NAME`: nodes of one name may live in several. */
  readonly namespace?: string;
}

/** A ROS 2 graph in one process: topics, services, and the scheduler all nodes deliver on. */
export class InProcessGraph {
  private readonly topics = new Map<string, TopicState>();
  private readonly services = new Map<string, ServiceEntry>();
  private readonly serviceWaiters = new Set<() => void>();
  private readonly nodeNames = new Set<string>();
  /** Latest /clock time, seconds (0 before the first message). */
  private simTime = 0;
  /** Messages dropped from full subscription queues (KEEP_LAST overflow), for tests and benches. */
  dropped = 0;

  /** `scheduler` delivers messages and measures wall time (default asap: after the publishing task). */
  constructor(readonly scheduler: SchedulerLike = asapScheduler) {}

  /** Creates a node (a `Bus`) in this graph; node names are unique, as ROS 2 warns they should be. */
  node(name: string, options: InProcessNodeOptions = {}): InProcessBus {
    const full = fullNodeName(name, options.namespace);
    if (this.nodeNames.has(full))
      throw new GailBridgeError('ros', `node ${full}: a node with this name already exists in the graph`);
    this.nodeNames.add(full);
    return new InProcessBus(this, name, options);
  }

  /** @internal */
  releaseNodeName(name: string): void {
    this.nodeNames.delete(name);
  }

  /** @internal */
  simNow(): number {
    return this.simTime;
  }

  /** @internal Registers an entity on a topic, refusing a second type (ROS 2 would silently not match). */
  topic(topic: string, type: string, role: string): TopicState {
    let state = this.topics.get(topic);
    if (!state) {
      state = { type, def: messageDefinition(type), publishers: new Set(), subscribers: new Set() };
      this.topics.set(topic, state);
    } else if (state.publishers.size + state.subscribers.size === 0) {
      state.type = type;
      state.def = messageDefinition(type);
    } else if (state.type !== type) {
      throw new GailBridgeError(
        'ros',
        `topic ${topic}: ${role} of type ${type}, but the topic carries ${state.type}; use the same message type`,
      );
    }
    return state;
  }

  /** @internal */
  forgetIfEmpty(topic: string): void {
    const state = this.topics.get(topic);
    if (state && state.publishers.size + state.subscribers.size === 0) this.topics.delete(topic);
  }

  /**
   * @internal Checks `message` against the topic's type as rclnodejs would (a `ros` error naming the
   * field) and delivers the copy rclnodejs would hand a subscriber to every matching subscription.
   */
  publish(topic: string, pub: PubEntry, message: unknown): void {
    const state = this.topics.get(topic);
    if (!state) return;
    const copy = conform(`topic ${topic} (${state.type})`, state.def, message);
    if (topic === '/clock' && state.type === 'rosgraph_msgs/msg/Clock') {
      this.simTime = fromTime((copy as { clock: Time }).clock);
    }
    if (pub.qos.durability === 'transient_local') {
      pub.history.push(copy);
      if (pub.history.length > pub.qos.depth) pub.history.shift();
    }
    for (const sub of state.subscribers) {
      if (qosCompatible(pub.qos, sub.qos)) this.enqueue(sub, copy);
    }
  }

  /** @internal Replays transient-local history to a new transient-local subscription. */
  replay(topic: string, sub: SubEntry): void {
    if (sub.qos.durability !== 'transient_local') return;
    const state = this.topics.get(topic);
    if (!state) return;
    for (const pub of state.publishers) {
      if (!qosCompatible(pub.qos, sub.qos)) continue;
      for (const m of pub.history) this.enqueue(sub, m);
    }
  }

  private enqueue(sub: SubEntry, message: unknown): void {
    sub.queue.push(message);
    if (sub.queue.length > sub.qos.depth) {
      sub.queue.shift();
      this.dropped++;
    }
    if (sub.scheduled) return;
    sub.scheduled = true;
    this.scheduler.schedule(() => {
      sub.scheduled = false;
      while (sub.active && sub.queue.length > 0) sub.subscriber.next(sub.queue.shift());
    });
  }

  /** @internal */
  countPublishers(topic: string): number {
    return this.topics.get(topic)?.publishers.size ?? 0;
  }

  /** @internal */
  countSubscribers(topic: string): number {
    return this.topics.get(topic)?.subscribers.size ?? 0;
  }

  /** @internal */
  addService(service: string, entry: ServiceEntry): void {
    const existing = this.services.get(service);
    if (existing)
      throw new GailBridgeError('ros', `service ${service}: already served by node ${existing.node}`);
    this.services.set(service, entry);
    for (const wake of [...this.serviceWaiters]) wake();
  }

  /** @internal */
  removeService(service: string, entry: ServiceEntry): void {
    if (this.services.get(service) === entry) this.services.delete(service);
  }

  /** @internal */
  service(service: string): ServiceEntry | undefined {
    return this.services.get(service);
  }

  /** @internal Resolves true when `service` is served, false after `timeoutMs` on the scheduler. */
  waitForService(service: string, timeoutMs: number): Promise<boolean> {
    if (this.services.has(service)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        if (!this.services.has(service)) return;
        this.serviceWaiters.delete(wake);
        timer.unsubscribe();
        resolve(true);
      };
      this.serviceWaiters.add(wake);
      const timer = this.scheduler.schedule(() => {
        this.serviceWaiters.delete(wake);
        resolve(false);
      }, timeoutMs);
    });
  }
}

/** One node of an `InProcessGraph`: the `Bus` port. */
export class InProcessBus implements Bus {
  readonly clock: BusClock;
  private readonly owned = new Set<{ dispose(): void }>();
  private readonly params = new Map<string, ParameterValue>();
  private disposed = false;

  /** Use `graph.node(name)`. */
  constructor(
    readonly graph: InProcessGraph,
    readonly name: string,
    private readonly options: InProcessNodeOptions,
  ) {
    const scheduler = graph.scheduler;
    this.clock = options.useSimTime
      ? { kind: 'sim', now: () => graph.simNow() }
      : { kind: 'wall', now: () => scheduler.now() / 1000 };
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
      const state = this.graph.topic(topic, type, 'subscription');
      const entry: SubEntry = {
        node: this.name,
        qos,
        queue: [],
        scheduled: false,
        active: true,
        subscriber: subscriber as Subscriber<unknown>,
      };
      const handle = {
        dispose: () => {
          if (!entry.active) return;
          entry.active = false;
          state.subscribers.delete(entry);
          this.owned.delete(handle);
          this.graph.forgetIfEmpty(topic);
          subscriber.complete();
        },
      };
      state.subscribers.add(entry);
      this.owned.add(handle);
      this.graph.replay(topic, entry);
      return () => handle.dispose();
    });
  }

  publisher<K extends string>(
    topic: string,
    type: K,
    qos: Qos = QOS_PRESETS.reliable,
  ): Publisher<MessageOf<K>> {
    this.assertLive(`create a publisher on ${topic}`);
    const state = this.graph.topic(topic, type, 'publisher');
    const entry: PubEntry = { node: this.name, qos, history: [] };
    state.publishers.add(entry);
    let live = true;
    const graph = this.graph;
    const owned = this.owned;
    const node = this.name;
    const pub: Publisher<MessageOf<K>> = {
      topic,
      type,
      publish(message) {
        if (!live) throw new GailBridgeError('state', `node ${node}: publish on ${topic} after dispose`);
        graph.publish(topic, entry, message);
      },
      dispose() {
        if (!live) return;
        live = false;
        state.publishers.delete(entry);
        owned.delete(pub);
        graph.forgetIfEmpty(topic);
      },
    };
    this.owned.add(pub);
    return pub;
  }

  countPublishers(topic: string): number {
    return this.graph.countPublishers(topic);
  }

  countSubscribers(topic: string): number {
    return this.graph.countSubscribers(topic);
  }

  serviceClient<K extends string>(service: string, type: K): ServiceClient<RequestOf<K>, ResponseOf<K>> {
    this.assertLive(`create a client of ${service}`);
    const defs = serviceDefinition(type);
    const graph = this.graph;
    let live = true;
    const owned = this.owned;
    const check = (): void => {
      if (!live) throw new GailBridgeError('state', `client of ${service}: used after dispose`);
    };
    const client: ServiceClient<RequestOf<K>, ResponseOf<K>> = {
      service,
      isServiceAvailable: () => graph.service(service)?.type === type,
      waitForService: (timeoutMs) => {
        check();
        return graph.waitForService(service, timeoutMs);
      },
      call: async (request, timeoutMs = 1000) => {
        check();
        if (!(await graph.waitForService(service, timeoutMs)))
          throw new GailBridgeError(
            'ros',
            `service ${service}: no server answered within ${timeoutMs} ms (is the node that serves it running?)`,
          );
        const entry = graph.service(service);
        if (!entry) throw new GailBridgeError('ros', `service ${service}: the server went away`);
        if (entry.type !== type)
          throw new GailBridgeError('ros', `service ${service}: served as ${entry.type}, called as ${type}`);
        const reqCopy = conform(`service ${service} request (${type})`, defs.request, request);
        const response = await new Promise<unknown>((resolve, reject) => {
          graph.scheduler.schedule(() => {
            Promise.resolve()
              .then(() => entry.handler(reqCopy))
              .then(resolve, reject);
          });
        });
        return conform(`service ${service} response (${type})`, defs.response, response) as ResponseOf<K>;
      },
      dispose() {
        live = false;
        owned.delete(client);
      },
    };
    this.owned.add(client);
    return client;
  }

  serviceServer<K extends string>(
    service: string,
    type: K,
    handler: (request: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>>,
  ): ServiceServer {
    this.assertLive(`serve ${service}`);
    serviceDefinition(type);
    const entry: ServiceEntry = { type, node: this.name, handler: handler as (r: unknown) => unknown };
    this.graph.addService(service, entry);
    const owned = this.owned;
    const graph = this.graph;
    const server: ServiceServer = {
      service,
      dispose() {
        graph.removeService(service, entry);
        owned.delete(server);
      },
    };
    this.owned.add(server);
    return server;
  }

  declareParameter(name: string, defaultValue: ParameterValue): ParameterValue {
    this.assertLive(`declare parameter ${name}`);
    if (this.params.has(name))
      throw new GailBridgeError('ros', `node ${this.name}: parameter ${name} already declared`);
    const override = this.options.parameters?.[name];
    const value = override ?? defaultValue;
    if (parameterKind(value) !== parameterKind(defaultValue))
      throw new GailBridgeError(
        'ros',
        `node ${this.name}: parameter ${name} is ${parameterKind(defaultValue)}, override is ${parameterKind(value)}`,
      );
    this.params.set(name, value);
    return value;
  }

  getParameter(name: string): ParameterValue {
    this.assertLive(`get parameter ${name}`);
    const v = this.params.get(name);
    if (v === undefined)
      throw new GailBridgeError('ros', `node ${this.name}: parameter ${name} is not declared`);
    return v;
  }

  setParameter(name: string, value: ParameterValue): void {
    const current = this.getParameter(name);
    if (parameterKind(current) !== parameterKind(value))
      throw new GailBridgeError(
        'ros',
        `node ${this.name}: parameter ${name} is ${parameterKind(current)}, cannot set a ${parameterKind(value)}`,
      );
    this.params.set(name, value);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const e of [...this.owned]) e.dispose();
    this.graph.releaseNodeName(fullNodeName(this.name, this.options.namespace));
  }

  private assertLive(what: string): void {
    if (this.disposed) throw new GailBridgeError('state', `node ${this.name}: cannot ${what} after dispose`);
  }
}

/** `conformMessage` with the topic or service named in the error. */
function conform(where: string, def: MessageDefinition, message: unknown): Record<string, unknown> {
  try {
    return conformMessage(def, message);
  } catch (err) {
    if (err instanceof GailBridgeError) throw new GailBridgeError('ros', `${where}: ${err.message}`);
    throw err;
  }
}

/** `/ns/name` (or `/name`): what ROS 2 requires to be unique in a graph. */
function fullNodeName(name: string, namespace: string | undefined): string {
  const ns = (namespace ?? '').replace(/^\/+|\/+$/g, '');
  return ns === '' ? `/${name}` : `/${ns}/${name}`;
}
