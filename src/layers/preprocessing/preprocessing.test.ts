import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runLayerTest} from '../../testing/layer_test.js';
import {stringTensor, tensor} from '../../tensor/tensor.js';
import {IntegerLookup} from './integer_lookup.js';
import {StringLookup} from './string_lookup.js';
import {TextVectorization} from './text_vectorization.js';

// Expected values: the examples of Keras's StringLookup / IntegerLookup docstrings.
test('StringLookup: vocabulary, OOV, mask token, adapt order, invert', () => {
  const vocab = ['a', 'b', 'c', 'd'];
  const layer = new StringLookup({vocabulary: vocab});
  const y = layer.apply([['a', 'c', 'd'], ['d', 'z', 'b']]);
  assert.equal(y.dtype, 'int32');
  assert.deepEqual(y.arraySync(), [[1, 3, 4], [4, 0, 2]]);
  assert.deepEqual(layer.getVocabulary(), ['[UNK]', 'a', 'b', 'c', 'd']);
  assert.equal(layer.vocabularySize(), 5);

  const adapted = new StringLookup();
  adapted.adapt([['a', 'c', 'd'], ['d', 'z', 'b']]);
  assert.deepEqual(adapted.getVocabulary(), ['[UNK]', 'd', 'z', 'c', 'b', 'a']);

  const masked = new StringLookup({vocabulary: vocab, maskToken: ''});
  assert.deepEqual(masked.apply([['a', 'c', 'd'], ['d', '', 'b']]).arraySync(), [[2, 4, 5], [5, 0, 3]]);
  assert.deepEqual(masked.getVocabulary(), ['', '[UNK]', 'a', 'b', 'c', 'd']);

  const inverse = new StringLookup({vocabulary: vocab, invert: true});
  const back = inverse.apply([[1, 3, 4], [4, 0, 2]]);
  assert.equal(back.dtype, 'string');
  assert.deepEqual(back.arraySync(), [['a', 'c', 'd'], ['d', '[UNK]', 'b']]);

  // several OOV buckets: FarmHash64 of the token mod 2 (bins from Keras's hashing_test: omar 0, stringer 0, marlo 1)
  const twoOov = new StringLookup({vocabulary: vocab, numOovIndices: 2});
  assert.deepEqual(twoOov.apply([['a', 'omar', 'stringer', 'marlo']]).arraySync(), [[2, 0, 0, 1]]);

  // a vocabulary that starts with the special tokens is recognized
  assert.deepEqual(new StringLookup({vocabulary: ['[UNK]', 'x', 'y']}).getVocabulary(), ['[UNK]', 'x', 'y']);
  assert.throws(() => new StringLookup({vocabulary: ['a', 'a']}), /repeated term/);
  assert.throws(() => layer.apply([['a', 3]]), /expected strings, received number at \[0\]\[1\]/);
  assert.throws(() => layer.apply([[1, 2]]), /expected string inputs .* Received a float64 tensor/);
});

test('StringLookup: multi_hot, count and one_hot outputs', () => {
  const vocab = ['a', 'b', 'c', 'd'];
  const data = [['a', 'c', 'd', 'd'], ['d', 'z', 'b', 'z']];
  assert.deepEqual(new StringLookup({vocabulary: vocab, outputMode: 'multi_hot'}).apply(data).arraySync(), [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]);
  assert.deepEqual(new StringLookup({vocabulary: vocab, outputMode: 'count'}).apply(data).arraySync(), [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]);
  assert.deepEqual(new StringLookup({vocabulary: vocab, outputMode: 'one_hot'}).apply(['a', 'b', 'c', 'd', 'z']).arraySync(), [
    [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0],
  ]);
  assert.deepEqual(new StringLookup({vocabulary: vocab, outputMode: 'multi_hot', maxTokens: 8, padToMaxTokens: true}).apply([['a']]).shape, [1, 8]);
});

test('IntegerLookup: vocabulary, adapt order, several OOV buckets by value mod n', () => {
  const layer = new IntegerLookup({vocabulary: [12, 36, 1138, 42]});
  assert.deepEqual(layer.apply([[12, 1138, 42], [42, 1000, 36]]).arraySync(), [[1, 3, 4], [4, 0, 2]]);
  const adapted = new IntegerLookup();
  adapted.adapt([[12, 1138, 42], [42, 1000, 36]]);
  assert.deepEqual(adapted.getVocabulary(), [-1, 42, 1138, 1000, 36, 12]);
  const oov2 = new IntegerLookup({vocabulary: [12, 36, 1138, 42], numOovIndices: 2});
  assert.deepEqual(oov2.apply([[12, 1138, 42], [37, 1000, 36]]).arraySync(), [[2, 4, 5], [1, 0, 3]]);
  assert.deepEqual(new IntegerLookup({vocabulary: [12, 36, 1138, 42], invert: true}).apply([[1, 3, 4], [4, 0, 2]]).arraySync(), [[12, 1138, 42], [42, -1, 36]]);
  // integers beyond float32's 24 bits keep every digit
  assert.deepEqual(new IntegerLookup({vocabulary: [123456789, 123456788]}).apply([123456789, 123456788, 123456790]).arraySync(), [1, 2, 0]);
  assert.throws(() => layer.apply([[1.5]]), /expected integer values/);
  const cfg = JSON.parse(JSON.stringify(layer.getConfig()));
  assert.deepEqual(IntegerLookup.fromConfig(cfg).getConfig(), layer.getConfig());
});

test("TextVectorization: standardize, split, vocabulary '' and '[UNK]' first, frequency order, padding", () => {
  const tv = new TextVectorization({outputSequenceLength: 4});
  tv.adapt(['The cat sat.', 'The dog, the CAT!', "It's a dog's life"]);
  // counts: the 3, cat 2, dog 1, dogs 1, its 1, a 1, life 1, sat 1 -> ties by descending token
  assert.deepEqual(tv.getVocabulary(), ['', '[UNK]', 'the', 'cat', 'sat', 'life', 'its', 'dogs', 'dog', 'a']);
  assert.deepEqual(tv.getVocabulary(false), ['the', 'cat', 'sat', 'life', 'its', 'dogs', 'dog', 'a']);
  const y = tv.apply(['the cat', 'a zebra sat on the mat today', '']);
  assert.equal(y.dtype, 'int32');
  assert.deepEqual(y.arraySync(), [[2, 3, 0, 0], [9, 1, 4, 1], [0, 0, 0, 0]]);
  // no outputSequenceLength: padded to the longest in the batch; rank-2 [n, 1] input is accepted
  const free = new TextVectorization({vocabulary: ['earth', 'wind', 'and', 'fire']});
  assert.deepEqual(free.apply([['earth wind and fire'], ['fire']]).arraySync(), [[2, 3, 4, 5], [5, 0, 0, 0]]);
  assert.deepEqual(free.apply('wind  and\tFIRE?').arraySync(), [3, 4, 5]);
  // maxTokens counts the two special tokens
  const small = new TextVectorization({maxTokens: 4});
  small.adapt(['b b b a a c']);
  assert.deepEqual(small.getVocabulary(), ['', '[UNK]', 'b', 'a']);
  // non-ASCII letters are kept as they are (tf.strings.lower without an encoding is ASCII-only)
  assert.deepEqual(new TextVectorization({standardize: 'lower_and_strip_punctuation'}).tokenize('Éclair, GOOD!'), ['Éclair', 'good']);
  assert.deepEqual(new TextVectorization({ngrams: 2}).tokenize('a b c'), ['a', 'b', 'c', 'a b', 'b c']);
  assert.deepEqual(new TextVectorization({split: 'character', standardize: null}).tokenize('ab!'), ['a', 'b', '!']);
  const mh = new TextVectorization({outputMode: 'multi_hot', vocabulary: ['x', 'y']});
  assert.deepEqual(mh.apply(['x x z', '']).arraySync(), [[1, 1, 0], [0, 0, 0]]);
  assert.throws(() => new TextVectorization({outputMode: 'multi_hot', outputSequenceLength: 3}), /must not be set/);
  assert.throws(() => tv.apply([['a', 'b']]), /the last shape dimension must be 1/);
  // as Keras: an adapted vocabulary is not in the config but in the assets (vocabulary.txt)
  const cfg = JSON.parse(JSON.stringify(tv.getConfig()));
  assert.equal(cfg.vocabulary, null);
  assert.equal(cfg.vocabularySize, 10);
  const copy = TextVectorization.fromConfig(cfg) as TextVectorization;
  const assets = tv.saveAssets()!;
  assert.deepEqual(Object.keys(assets), ['vocabulary.txt', '_lookup_layer/vocabulary.txt']);
  assert.equal(assets['vocabulary.txt'], '\n[UNK]\nthe\ncat\nsat\nlife\nits\ndogs\ndog\na');
  copy.loadAssets(new Map(Object.entries(assets)));
  assert.deepEqual(copy.getVocabulary(), tv.getVocabulary());
  // a vocabulary given to the constructor stays in the config, and there are no assets
  assert.deepEqual(free.getConfig()['vocabulary'], ['earth', 'wind', 'and', 'fire']);
  assert.equal(free.saveAssets(), null);
});

test('the layer contract (runLayerTest) for StringLookup, IntegerLookup and TextVectorization on string and integer tensors', () => {
  const words = stringTensor([['a', 'c', 'zz'], ['d', 'b', 'a']]);
  runLayerTest(StringLookup, {
    options: {vocabulary: ['a', 'b', 'c', 'd']}, inputData: words, expectedOutputShape: [2, 3],
    expectedNumTrainableWeights: 0, expectedNumNonTrainableWeights: 0, runTrainingCheck: false,
  });
  runLayerTest(StringLookup, {
    options: {vocabulary: ['a', 'b', 'c', 'd'], outputMode: 'multi_hot', numOovIndices: 2, maskToken: ''}, inputData: words,
    expectedOutputShape: [2, 6], runTrainingCheck: false,
  });
  runLayerTest(IntegerLookup, {
    options: {vocabulary: [12, 36, 1138, 42], outputMode: 'one_hot'}, inputData: tensor([[12], [7], [42]], undefined, 'int32'),
    expectedOutputShape: [3, 5], runTrainingCheck: false,
  });
  runLayerTest(TextVectorization, {
    options: {vocabulary: ['the', 'cat', 'sat'], outputSequenceLength: 5, ngrams: 2}, inputData: stringTensor([['The cat sat.'], ['a cat']]),
    expectedOutputShape: [2, 5], runTrainingCheck: false,
  });
  runLayerTest(TextVectorization, {
    options: {vocabulary: ['the', 'cat', 'sat'], outputMode: 'count'}, inputData: stringTensor(['The cat sat, the end', 'cat']),
    // outside 'int' mode the mask token has no column: [UNK], the, cat, sat
    expectedOutputShape: [2, 4], runTrainingCheck: false,
  });
});
