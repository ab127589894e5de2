import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace gail_bridge. */
export namespace gail_bridge {

    /**
     * Properties of a SpaceSpec.
     * @deprecated Use gail_bridge.SpaceSpec.$Properties instead.
     */
    interface ISpaceSpec extends gail_bridge.SpaceSpec.$Properties {
    }

    /** Represents a SpaceSpec. */
    class SpaceSpec {

        /**
         * Constructs a new SpaceSpec.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.SpaceSpec.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** SpaceSpec names. */
        names: string[];

        /** SpaceSpec units. */
        units: string[];

        /** SpaceSpec low. */
        low: number[];

        /** SpaceSpec high. */
        high: number[];

        /**
         * Encodes the specified SpaceSpec message. Does not implicitly {@link gail_bridge.SpaceSpec.verify|verify} messages.
         * @param message SpaceSpec message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.SpaceSpec.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a SpaceSpec message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.SpaceSpec & gail_bridge.SpaceSpec.$Shape} SpaceSpec
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.SpaceSpec & gail_bridge.SpaceSpec.$Shape;
    }

    namespace SpaceSpec {

        /** Properties of a SpaceSpec. */
        interface $Properties {

            /** SpaceSpec names */
            names?: (string[]|null);

            /** SpaceSpec units */
            units?: (string[]|null);

            /** SpaceSpec low */
            low?: (number[]|null);

            /** SpaceSpec high */
            high?: (number[]|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a SpaceSpec. */
        type $Shape = gail_bridge.SpaceSpec.$Properties;
    }

    /**
     * Properties of a SpecSource.
     * @deprecated Use gail_bridge.SpecSource.$Properties instead.
     */
    interface ISpecSource extends gail_bridge.SpecSource.$Properties {
    }

    /** Represents a SpecSource. */
    class SpecSource {

        /**
         * Constructs a new SpecSource.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.SpecSource.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** SpecSource task. */
        task?: (string|null);

        /** SpecSource mjcfPath. */
        mjcfPath?: (string|null);

        /** SpecSource robotConfig. */
        robotConfig?: (string|null);

        /** SpecSource taskConfig. */
        taskConfig: string;

        /** SpecSource kind. */
        kind?: ("task"|"mjcfPath"|"robotConfig");

        /**
         * Encodes the specified SpecSource message. Does not implicitly {@link gail_bridge.SpecSource.verify|verify} messages.
         * @param message SpecSource message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.SpecSource.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a SpecSource message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.SpecSource & gail_bridge.SpecSource.$Shape} SpecSource
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.SpecSource & gail_bridge.SpecSource.$Shape;
    }

    namespace SpecSource {

        /** Properties of a SpecSource. */
        interface $Properties {

            /** SpecSource task */
            task?: (string|null);

            /** SpecSource mjcfPath */
            mjcfPath?: (string|null);

            /** SpecSource robotConfig */
            robotConfig?: (string|null);

            /** SpecSource taskConfig */
            taskConfig?: (string|null);

            /** SpecSource kind */
            kind?: ("task"|"mjcfPath"|"robotConfig");

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Narrowed shape of a SpecSource. */
        type $Shape = {
          task?: string|null;
          mjcfPath?: string|null;
          robotConfig?: string|null;
          taskConfig?: string|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ kind?: undefined; task?: null; mjcfPath?: null; robotConfig?: null }|{ kind?: "task"; task: string; mjcfPath?: null; robotConfig?: null }|{ kind?: "mjcfPath"; task?: null; mjcfPath: string; robotConfig?: null }|{ kind?: "robotConfig"; task?: null; mjcfPath?: null; robotConfig: string })
        );
    }

    /**
     * Properties of a Spec.
     * @deprecated Use gail_bridge.Spec.$Properties instead.
     */
    interface ISpec extends gail_bridge.Spec.$Properties {
    }

    /** Represents a Spec. */
    class Spec {

        /**
         * Constructs a new Spec.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.Spec.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Spec observation. */
        observation?: (gail_bridge.SpaceSpec.$Properties|null);

        /** Spec action. */
        action?: (gail_bridge.SpaceSpec.$Properties|null);

        /** Spec controlRateHz. */
        controlRateHz: number;

        /** Spec source. */
        source?: (gail_bridge.SpecSource.$Properties|null);

        /** Spec producer. */
        producer: string;

        /**
         * Encodes the specified Spec message. Does not implicitly {@link gail_bridge.Spec.verify|verify} messages.
         * @param message Spec message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.Spec.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Spec message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.Spec & gail_bridge.Spec.$Shape} Spec
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.Spec & gail_bridge.Spec.$Shape;
    }

    namespace Spec {

        /** Properties of a Spec. */
        interface $Properties {

            /** Spec observation */
            observation?: (gail_bridge.SpaceSpec.$Properties|null);

            /** Spec action */
            action?: (gail_bridge.SpaceSpec.$Properties|null);

            /** Spec controlRateHz */
            controlRateHz?: (number|null);

            /** Spec source */
            source?: (gail_bridge.SpecSource.$Properties|null);

            /** Spec producer */
            producer?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Spec. */
        type $Shape = {
          observation?: gail_bridge.SpaceSpec.$Shape|null;
          action?: gail_bridge.SpaceSpec.$Shape|null;
          controlRateHz?: number|null;
          source?: gail_bridge.SpecSource.$Shape|null;
          producer?: string|null;
          $unknowns?: Uint8Array[];
        };
    }

    /**
     * Properties of a KeyValue.
     * @deprecated Use gail_bridge.KeyValue.$Properties instead.
     */
    interface IKeyValue extends gail_bridge.KeyValue.$Properties {
    }

    /** Represents a KeyValue. */
    class KeyValue {

        /**
         * Constructs a new KeyValue.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.KeyValue.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** KeyValue key. */
        key: string;

        /** KeyValue value. */
        value: string;

        /**
         * Encodes the specified KeyValue message. Does not implicitly {@link gail_bridge.KeyValue.verify|verify} messages.
         * @param message KeyValue message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.KeyValue.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a KeyValue message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.KeyValue & gail_bridge.KeyValue.$Shape} KeyValue
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.KeyValue & gail_bridge.KeyValue.$Shape;
    }

    namespace KeyValue {

        /** Properties of a KeyValue. */
        interface $Properties {

            /** KeyValue key */
            key?: (string|null);

            /** KeyValue value */
            value?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a KeyValue. */
        type $Shape = gail_bridge.KeyValue.$Properties;
    }

    /** EndReason enum. */
    enum EndReason {

        /** END_REASON_UNSPECIFIED value */
        END_REASON_UNSPECIFIED = 0,

        /** END_REASON_TERMINATED value */
        END_REASON_TERMINATED = 1,

        /** END_REASON_TRUNCATED value */
        END_REASON_TRUNCATED = 2,

        /** END_REASON_DIVERGED value */
        END_REASON_DIVERGED = 3,

        /** END_REASON_INTERRUPTED value */
        END_REASON_INTERRUPTED = 4
    }

    /**
     * Properties of an EpisodeHeader.
     * @deprecated Use gail_bridge.EpisodeHeader.$Properties instead.
     */
    interface IEpisodeHeader extends gail_bridge.EpisodeHeader.$Properties {
    }

    /** Represents an EpisodeHeader. */
    class EpisodeHeader {

        /**
         * Constructs a new EpisodeHeader.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.EpisodeHeader.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** EpisodeHeader episode. */
        episode: number;

        /** EpisodeHeader spec. */
        spec?: (gail_bridge.Spec.$Properties|null);

        /** EpisodeHeader startedAt. */
        startedAt: string;

        /** EpisodeHeader metadata. */
        metadata: gail_bridge.KeyValue.$Properties[];

        /**
         * Encodes the specified EpisodeHeader message. Does not implicitly {@link gail_bridge.EpisodeHeader.verify|verify} messages.
         * @param message EpisodeHeader message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.EpisodeHeader.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an EpisodeHeader message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.EpisodeHeader & gail_bridge.EpisodeHeader.$Shape} EpisodeHeader
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.EpisodeHeader & gail_bridge.EpisodeHeader.$Shape;
    }

    namespace EpisodeHeader {

        /** Properties of an EpisodeHeader. */
        interface $Properties {

            /** EpisodeHeader episode */
            episode?: (number|null);

            /** EpisodeHeader spec */
            spec?: (gail_bridge.Spec.$Properties|null);

            /** EpisodeHeader startedAt */
            startedAt?: (string|null);

            /** EpisodeHeader metadata */
            metadata?: (gail_bridge.KeyValue.$Properties[]|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an EpisodeHeader. */
        type $Shape = {
          episode?: number|null;
          spec?: gail_bridge.Spec.$Shape|null;
          startedAt?: string|null;
          metadata?: gail_bridge.KeyValue.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    /**
     * Properties of a Step.
     * @deprecated Use gail_bridge.Step.$Properties instead.
     */
    interface IStep extends gail_bridge.Step.$Properties {
    }

    /** Represents a Step. */
    class Step {

        /**
         * Constructs a new Step.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.Step.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Step episode. */
        episode: number;

        /** Step index. */
        index: number;

        /** Step obs. */
        obs: Uint8Array;

        /** Step action. */
        action: Uint8Array;

        /** Step reward. */
        reward: Uint8Array;

        /** Step timeS. */
        timeS?: (number|null);

        /**
         * Encodes the specified Step message. Does not implicitly {@link gail_bridge.Step.verify|verify} messages.
         * @param message Step message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.Step.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Step message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.Step & gail_bridge.Step.$Shape} Step
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.Step & gail_bridge.Step.$Shape;
    }

    namespace Step {

        /** Properties of a Step. */
        interface $Properties {

            /** Step episode */
            episode?: (number|null);

            /** Step index */
            index?: (number|null);

            /** Step obs */
            obs?: (Uint8Array|null);

            /** Step action */
            action?: (Uint8Array|null);

            /** Step reward */
            reward?: (Uint8Array|null);

            /** Step timeS */
            timeS?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Step. */
        type $Shape = gail_bridge.Step.$Properties;
    }

    /**
     * Properties of an EpisodeEnd.
     * @deprecated Use gail_bridge.EpisodeEnd.$Properties instead.
     */
    interface IEpisodeEnd extends gail_bridge.EpisodeEnd.$Properties {
    }

    /** Represents an EpisodeEnd. */
    class EpisodeEnd {

        /**
         * Constructs a new EpisodeEnd.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.EpisodeEnd.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** EpisodeEnd episode. */
        episode: number;

        /** EpisodeEnd end. */
        end: gail_bridge.EndReason;

        /** EpisodeEnd steps. */
        steps: number;

        /** EpisodeEnd finalObs. */
        finalObs: Uint8Array;

        /** EpisodeEnd finalTimeS. */
        finalTimeS?: (number|null);

        /**
         * Encodes the specified EpisodeEnd message. Does not implicitly {@link gail_bridge.EpisodeEnd.verify|verify} messages.
         * @param message EpisodeEnd message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.EpisodeEnd.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an EpisodeEnd message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.EpisodeEnd & gail_bridge.EpisodeEnd.$Shape} EpisodeEnd
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.EpisodeEnd & gail_bridge.EpisodeEnd.$Shape;
    }

    namespace EpisodeEnd {

        /** Properties of an EpisodeEnd. */
        interface $Properties {

            /** EpisodeEnd episode */
            episode?: (number|null);

            /** EpisodeEnd end */
            end?: (gail_bridge.EndReason|null);

            /** EpisodeEnd steps */
            steps?: (number|null);

            /** EpisodeEnd finalObs */
            finalObs?: (Uint8Array|null);

            /** EpisodeEnd finalTimeS */
            finalTimeS?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an EpisodeEnd. */
        type $Shape = gail_bridge.EpisodeEnd.$Properties;
    }

    /**
     * Properties of a Tensor.
     * @deprecated Use gail_bridge.Tensor.$Properties instead.
     */
    interface ITensor extends gail_bridge.Tensor.$Properties {
    }

    /** Represents a Tensor. */
    class Tensor {

        /**
         * Constructs a new Tensor.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.Tensor.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Tensor name. */
        name: string;

        /** Tensor shape. */
        shape: number[];

        /** Tensor data. */
        data: Uint8Array;

        /**
         * Encodes the specified Tensor message. Does not implicitly {@link gail_bridge.Tensor.verify|verify} messages.
         * @param message Tensor message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.Tensor.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Tensor message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.Tensor & gail_bridge.Tensor.$Shape} Tensor
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.Tensor & gail_bridge.Tensor.$Shape;
    }

    namespace Tensor {

        /** Properties of a Tensor. */
        interface $Properties {

            /** Tensor name */
            name?: (string|null);

            /** Tensor shape */
            shape?: (number[]|null);

            /** Tensor data */
            data?: (Uint8Array|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Tensor. */
        type $Shape = gail_bridge.Tensor.$Properties;
    }

    /**
     * Properties of a Normalizer.
     * @deprecated Use gail_bridge.Normalizer.$Properties instead.
     */
    interface INormalizer extends gail_bridge.Normalizer.$Properties {
    }

    /** Represents a Normalizer. */
    class Normalizer {

        /**
         * Constructs a new Normalizer.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.Normalizer.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Normalizer mean. */
        mean: number[];

        /** Normalizer var. */
        var: number[];

        /** Normalizer count. */
        count: number;

        /** Normalizer epsilon. */
        epsilon: number;

        /** Normalizer clip. */
        clip: number;

        /**
         * Encodes the specified Normalizer message. Does not implicitly {@link gail_bridge.Normalizer.verify|verify} messages.
         * @param message Normalizer message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.Normalizer.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Normalizer message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.Normalizer & gail_bridge.Normalizer.$Shape} Normalizer
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.Normalizer & gail_bridge.Normalizer.$Shape;
    }

    namespace Normalizer {

        /** Properties of a Normalizer. */
        interface $Properties {

            /** Normalizer mean */
            mean?: (number[]|null);

            /** Normalizer var */
            "var"?: (number[]|null);

            /** Normalizer count */
            count?: (number|null);

            /** Normalizer epsilon */
            epsilon?: (number|null);

            /** Normalizer clip */
            clip?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Normalizer. */
        type $Shape = gail_bridge.Normalizer.$Properties;
    }

    /**
     * Properties of an Architecture.
     * @deprecated Use gail_bridge.Architecture.$Properties instead.
     */
    interface IArchitecture extends gail_bridge.Architecture.$Properties {
    }

    /** Represents an Architecture. */
    class Architecture {

        /**
         * Constructs a new Architecture.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.Architecture.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Architecture kind. */
        kind: string;

        /** Architecture obsDim. */
        obsDim: number;

        /** Architecture actDim. */
        actDim: number;

        /** Architecture hidden. */
        hidden: number[];

        /** Architecture activation. */
        activation: string;

        /** Architecture hasValue. */
        hasValue: boolean;

        /** Architecture valueHidden. */
        valueHidden: number[];

        /** Architecture output. */
        output: string;

        /**
         * Encodes the specified Architecture message. Does not implicitly {@link gail_bridge.Architecture.verify|verify} messages.
         * @param message Architecture message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.Architecture.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an Architecture message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.Architecture & gail_bridge.Architecture.$Shape} Architecture
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.Architecture & gail_bridge.Architecture.$Shape;
    }

    namespace Architecture {

        /** Properties of an Architecture. */
        interface $Properties {

            /** Architecture kind */
            kind?: (string|null);

            /** Architecture obsDim */
            obsDim?: (number|null);

            /** Architecture actDim */
            actDim?: (number|null);

            /** Architecture hidden */
            hidden?: (number[]|null);

            /** Architecture activation */
            activation?: (string|null);

            /** Architecture hasValue */
            hasValue?: (boolean|null);

            /** Architecture valueHidden */
            valueHidden?: (number[]|null);

            /** Architecture output */
            output?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an Architecture. */
        type $Shape = gail_bridge.Architecture.$Properties;
    }

    /**
     * Properties of a TrainingMeta.
     * @deprecated Use gail_bridge.TrainingMeta.$Properties instead.
     */
    interface ITrainingMeta extends gail_bridge.TrainingMeta.$Properties {
    }

    /** Represents a TrainingMeta. */
    class TrainingMeta {

        /**
         * Constructs a new TrainingMeta.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.TrainingMeta.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** TrainingMeta algo. */
        algo: string;

        /** TrainingMeta envSteps. */
        envSteps: number;

        /** TrainingMeta seed. */
        seed: number;

        /** TrainingMeta date. */
        date: string;

        /** TrainingMeta evalReturn. */
        evalReturn?: (number|null);

        /** TrainingMeta extra. */
        extra: gail_bridge.KeyValue.$Properties[];

        /**
         * Encodes the specified TrainingMeta message. Does not implicitly {@link gail_bridge.TrainingMeta.verify|verify} messages.
         * @param message TrainingMeta message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.TrainingMeta.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a TrainingMeta message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.TrainingMeta & gail_bridge.TrainingMeta.$Shape} TrainingMeta
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.TrainingMeta & gail_bridge.TrainingMeta.$Shape;
    }

    namespace TrainingMeta {

        /** Properties of a TrainingMeta. */
        interface $Properties {

            /** TrainingMeta algo */
            algo?: (string|null);

            /** TrainingMeta envSteps */
            envSteps?: (number|null);

            /** TrainingMeta seed */
            seed?: (number|null);

            /** TrainingMeta date */
            date?: (string|null);

            /** TrainingMeta evalReturn */
            evalReturn?: (number|null);

            /** TrainingMeta extra */
            extra?: (gail_bridge.KeyValue.$Properties[]|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a TrainingMeta. */
        type $Shape = gail_bridge.TrainingMeta.$Properties;
    }

    /**
     * Properties of a PolicyPayload.
     * @deprecated Use gail_bridge.PolicyPayload.$Properties instead.
     */
    interface IPolicyPayload extends gail_bridge.PolicyPayload.$Properties {
    }

    /** Represents a PolicyPayload. */
    class PolicyPayload {

        /**
         * Constructs a new PolicyPayload.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.PolicyPayload.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** PolicyPayload spec. */
        spec?: (gail_bridge.Spec.$Properties|null);

        /** PolicyPayload obsNorm. */
        obsNorm?: (gail_bridge.Normalizer.$Properties|null);

        /** PolicyPayload architecture. */
        architecture?: (gail_bridge.Architecture.$Properties|null);

        /** PolicyPayload tensors. */
        tensors: gail_bridge.Tensor.$Properties[];

        /** PolicyPayload training. */
        training?: (gail_bridge.TrainingMeta.$Properties|null);

        /** PolicyPayload optimizer. */
        optimizer: gail_bridge.Tensor.$Properties[];

        /**
         * Encodes the specified PolicyPayload message. Does not implicitly {@link gail_bridge.PolicyPayload.verify|verify} messages.
         * @param message PolicyPayload message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.PolicyPayload.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a PolicyPayload message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.PolicyPayload & gail_bridge.PolicyPayload.$Shape} PolicyPayload
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.PolicyPayload & gail_bridge.PolicyPayload.$Shape;
    }

    namespace PolicyPayload {

        /** Properties of a PolicyPayload. */
        interface $Properties {

            /** PolicyPayload spec */
            spec?: (gail_bridge.Spec.$Properties|null);

            /** PolicyPayload obsNorm */
            obsNorm?: (gail_bridge.Normalizer.$Properties|null);

            /** PolicyPayload architecture */
            architecture?: (gail_bridge.Architecture.$Properties|null);

            /** PolicyPayload tensors */
            tensors?: (gail_bridge.Tensor.$Properties[]|null);

            /** PolicyPayload training */
            training?: (gail_bridge.TrainingMeta.$Properties|null);

            /** PolicyPayload optimizer */
            optimizer?: (gail_bridge.Tensor.$Properties[]|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a PolicyPayload. */
        type $Shape = {
          spec?: gail_bridge.Spec.$Shape|null;
          obsNorm?: gail_bridge.Normalizer.$Shape|null;
          architecture?: gail_bridge.Architecture.$Shape|null;
          tensors?: gail_bridge.Tensor.$Shape[]|null;
          training?: gail_bridge.TrainingMeta.$Shape|null;
          optimizer?: gail_bridge.Tensor.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    /**
     * Properties of a RewardArchitecture.
     * @deprecated Use gail_bridge.RewardArchitecture.$Properties instead.
     */
    interface IRewardArchitecture extends gail_bridge.RewardArchitecture.$Properties {
    }

    /** Represents a RewardArchitecture. */
    class RewardArchitecture {

        /**
         * Constructs a new RewardArchitecture.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.RewardArchitecture.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** RewardArchitecture kind. */
        kind: string;

        /** RewardArchitecture obsDim. */
        obsDim: number;

        /** RewardArchitecture hidden. */
        hidden: number[];

        /** RewardArchitecture activation. */
        activation: string;

        /** RewardArchitecture absorbing. */
        absorbing: boolean;

        /** RewardArchitecture actDim. */
        actDim: number;

        /** RewardArchitecture reward. */
        reward: string;

        /**
         * Encodes the specified RewardArchitecture message. Does not implicitly {@link gail_bridge.RewardArchitecture.verify|verify} messages.
         * @param message RewardArchitecture message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.RewardArchitecture.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a RewardArchitecture message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.RewardArchitecture & gail_bridge.RewardArchitecture.$Shape} RewardArchitecture
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.RewardArchitecture & gail_bridge.RewardArchitecture.$Shape;
    }

    namespace RewardArchitecture {

        /** Properties of a RewardArchitecture. */
        interface $Properties {

            /** RewardArchitecture kind */
            kind?: (string|null);

            /** RewardArchitecture obsDim */
            obsDim?: (number|null);

            /** RewardArchitecture hidden */
            hidden?: (number[]|null);

            /** RewardArchitecture activation */
            activation?: (string|null);

            /** RewardArchitecture absorbing */
            absorbing?: (boolean|null);

            /** RewardArchitecture actDim */
            actDim?: (number|null);

            /** RewardArchitecture reward */
            reward?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a RewardArchitecture. */
        type $Shape = gail_bridge.RewardArchitecture.$Properties;
    }

    /**
     * Properties of a RewardPayload.
     * @deprecated Use gail_bridge.RewardPayload.$Properties instead.
     */
    interface IRewardPayload extends gail_bridge.RewardPayload.$Properties {
    }

    /** Represents a RewardPayload. */
    class RewardPayload {

        /**
         * Constructs a new RewardPayload.
         * @param [properties] Properties to set
         */
        constructor(properties?: gail_bridge.RewardPayload.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** RewardPayload spec. */
        spec?: (gail_bridge.Spec.$Properties|null);

        /** RewardPayload obsNorm. */
        obsNorm?: (gail_bridge.Normalizer.$Properties|null);

        /** RewardPayload architecture. */
        architecture?: (gail_bridge.RewardArchitecture.$Properties|null);

        /** RewardPayload tensors. */
        tensors: gail_bridge.Tensor.$Properties[];

        /** RewardPayload gamma. */
        gamma: number;

        /** RewardPayload training. */
        training?: (gail_bridge.TrainingMeta.$Properties|null);

        /**
         * Encodes the specified RewardPayload message. Does not implicitly {@link gail_bridge.RewardPayload.verify|verify} messages.
         * @param message RewardPayload message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: gail_bridge.RewardPayload.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a RewardPayload message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {gail_bridge.RewardPayload & gail_bridge.RewardPayload.$Shape} RewardPayload
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gail_bridge.RewardPayload & gail_bridge.RewardPayload.$Shape;
    }

    namespace RewardPayload {

        /** Properties of a RewardPayload. */
        interface $Properties {

            /** RewardPayload spec */
            spec?: (gail_bridge.Spec.$Properties|null);

            /** RewardPayload obsNorm */
            obsNorm?: (gail_bridge.Normalizer.$Properties|null);

            /** RewardPayload architecture */
            architecture?: (gail_bridge.RewardArchitecture.$Properties|null);

            /** RewardPayload tensors */
            tensors?: (gail_bridge.Tensor.$Properties[]|null);

            /** RewardPayload gamma */
            gamma?: (number|null);

            /** RewardPayload training */
            training?: (gail_bridge.TrainingMeta.$Properties|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a RewardPayload. */
        type $Shape = {
          spec?: gail_bridge.Spec.$Shape|null;
          obsNorm?: gail_bridge.Normalizer.$Shape|null;
          architecture?: gail_bridge.RewardArchitecture.$Shape|null;
          tensors?: gail_bridge.Tensor.$Shape[]|null;
          gamma?: number|null;
          training?: gail_bridge.TrainingMeta.$Shape|null;
          $unknowns?: Uint8Array[];
        };
    }
}
