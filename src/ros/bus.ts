/**
 * The `Bus` port (DESIGN "ROS 2", STYLE 9): everything the bridge needs from ROS 2, small enough that an
 * in-process implementation is first-class code. Two adapters implement it: `InProcessBus` (tests, and the
 * simulator and bridge in one process) and `RclnodejsBus` (a real ROS 2 node). Messages are plain objects
 * shaped like rclnodejs's (see messages.ts).
 *
 * Ownership: a bus owns every entity it creates. `subscribe` returns a cold Observable whose each
 * subscription creates one ROS subscription and destroys it on unsubscribe; `dispose()` destroys all that
 * remain (their Observables complete), then the node. Using a disposed bus throws a `state` error.
 */
import type { Observable } from 'rxjs';
import type { Qos } from '../config/qos.js';
import type { MessageTypes, ServiceTypes } from './messages.js';

/** The message shape of a type name: known types are typed, others are plain objects. */
export type MessageOf<K extends string> = K extends keyof MessageTypes
  ? MessageTypes[K]
  : Record<string, unknown>;
/** Request shape of a service type name. */
export type RequestOf<K extends string> = K extends keyof ServiceTypes
  ? ServiceTypes[K]['request']
  : Record<string, unknown>;
/** Response shape of a service type name. */
export type ResponseOf<K extends string> = K extends keyof ServiceTypes
  ? ServiceTypes[K]['response']
  : Record<string, unknown>;

/** A publisher on one topic. */
export interface Publisher<T> {
  readonly topic: string;
  readonly type: string;
  /** Sends one message; throws a `state` error after dispose. */
  publish(message: T): void;
  /** Destroys the ROS publisher. Idempotent. */
  dispose(): void;
}

/** A client of one service. */
export interface ServiceClient<Req, Res> {
  readonly service: string;
  /** True when a server is available now. */
  isServiceAvailable(): boolean;
  /** Resolves true once a server is available, false after `timeoutMs` (bus clock). */
  waitForService(timeoutMs: number): Promise<boolean>;
  /** Sends a request; rejects with a `ros` error when no server answers within `timeoutMs` (bus clock). */
  call(request: Req, timeoutMs?: number): Promise<Res>;
  /** Destroys the client. Idempotent. */
  dispose(): void;
}

/** A served service; dispose destroys it. */
export interface ServiceServer {
  readonly service: string;
  dispose(): void;
}

/** ROS 2 parameter values the bridge uses. */
export type ParameterValue = boolean | number | string | readonly number[] | readonly string[];

/**
 * The node's clock, in seconds. `wall` is the system (or scheduler) time; `sim` follows the latest
 * /clock message (use_sim_time), and is 0 before the first one.
 */
export interface BusClock {
  readonly kind: 'wall' | 'sim';
  now(): number;
}

/** The port. */
export interface Bus {
  /** Node name. */
  readonly name: string;
  readonly clock: BusClock;
  /** Messages on `topic`; each subscription is one ROS subscription, destroyed on unsubscribe. */
  subscribe<K extends string>(topic: string, type: K, qos?: Qos): Observable<MessageOf<K>>;
  /** Creates a publisher owned by this bus. */
  publisher<K extends string>(topic: string, type: K, qos?: Qos): Publisher<MessageOf<K>>;
  /** Publishers on `topic` in the whole graph, this node's included (the "second publisher" check). */
  countPublishers(topic: string): number;
  /** Subscriptions on `topic` in the whole graph. */
  countSubscribers(topic: string): number;
  serviceClient<K extends string>(service: string, type: K): ServiceClient<RequestOf<K>, ResponseOf<K>>;
  /** Serves `service`; the handler's result (or promise) is the response. */
  serviceServer<K extends string>(
    service: string,
    type: K,
    handler: (request: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>>,
  ): ServiceServer;
  /** Declares a parameter with a default and returns its value (an override given at start wins). */
  declareParameter(name: string, defaultValue: ParameterValue): ParameterValue;
  /** The value of a declared parameter; a `ros` error when undeclared. */
  getParameter(name: string): ParameterValue;
  /** Sets a declared parameter; a `ros` error when undeclared or of another type. */
  setParameter(name: string, value: ParameterValue): void;
  /** Destroys every entity and the node. Idempotent. */
  dispose(): void;
}

/** The type tag of a parameter value, for type checks on set. */
export function parameterKind(v: ParameterValue): string {
  if (Array.isArray(v)) return v.length > 0 && typeof v[0] === 'string' ? 'string[]' : 'number[]';
  return typeof v;
}
