export {IndexLookup, type IndexLookupArgs, type LookupOutputMode} from './index_lookup.js';
export {StringLookup, type StringLookupArgs} from './string_lookup.js';
export {IntegerLookup, type IntegerLookupArgs} from './integer_lookup.js';
export {TextVectorization, type TextVectorizationArgs} from './text_vectorization.js';
export {Rescaling, type RescalingArgs} from './rescaling.js';
export {Hashing, type HashingArgs} from './hashing.js';
