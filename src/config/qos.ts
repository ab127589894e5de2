/**
 * QoS as the bridge understands it. Only history depth, reliability and durability are modelled because
 * rclnodejs (2.x) copies only history, depth, reliability, durability and liveliness into the ROS 2 profile:
 * deadline and lifespan cannot be set from JavaScript, so staleness is watched by the bridge itself
 * (specs/failure-cases.md, "Facts that shape the design").
 */

export type Reliability = 'reliable' | 'best_effort';
export type Durability = 'volatile' | 'transient_local';

/** A resolved QoS profile. */
export interface Qos {
  /** Messages kept per subscription/publisher (history KEEP_LAST). */
  readonly depth: number;
  readonly reliability: Reliability;
  readonly durability: Durability;
}

/**
 * Named presets, one map (STYLE 8). They mirror rclcpp's: `sensor_data` is rmw_qos_profile_sensor_data
 * (best effort, depth 5), `reliable` is the default profile (reliable, depth 10), `transient_local` keeps
 * the last message for late joiners (latched topics such as robot_description), `system_default` too.
 */
export const QOS_PRESETS = {
  sensor_data: { depth: 5, reliability: 'best_effort', durability: 'volatile' },
  reliable: { depth: 10, reliability: 'reliable', durability: 'volatile' },
  transient_local: { depth: 1, reliability: 'reliable', durability: 'transient_local' },
  system_default: { depth: 10, reliability: 'reliable', durability: 'volatile' },
} as const satisfies Record<string, Qos>;
export type QosPreset = keyof typeof QOS_PRESETS;
export const QOS_PRESET_NAMES = Object.keys(QOS_PRESETS) as QosPreset[];

/** A preset name or a preset with overrides, as written in configs. */
export type QosSetting = QosPreset | { readonly preset?: QosPreset; readonly depth?: number };

/** Resolves a config setting to a full profile (default preset: `reliable`). */
export function resolveQos(setting: QosSetting | undefined): Qos {
  if (setting === undefined) return QOS_PRESETS.reliable;
  if (typeof setting === 'string') return QOS_PRESETS[setting];
  const base = QOS_PRESETS[setting.preset ?? 'reliable'];
  return { ...base, depth: setting.depth ?? base.depth };
}

/**
 * Whether a publisher with `pub` QoS is delivered to a subscription with `sub` QoS, by the DDS
 * request/offered rules: a reliable subscription does not match a best-effort publisher, and a
 * transient-local subscription does not match a volatile publisher.
 */
export function qosCompatible(pub: Qos, sub: Qos): boolean {
  if (sub.reliability === 'reliable' && pub.reliability === 'best_effort') return false;
  if (sub.durability === 'transient_local' && pub.durability === 'volatile') return false;
  return true;
}
