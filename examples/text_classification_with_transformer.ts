/**
 * keras.io's "Text classification with Transformer" (Apoorv Nandan), on the UCI "Sentiment
 * Labelled Sentences" (3,000 review sentences from Amazon, IMDB and Yelp, labelled 0/1): token and
 * position embeddings, one transformer block (MultiHeadAttention, feed-forward network, residual
 * connections, LayerNormalization, dropout), average pooling, a small classifier.
 *
 *   npm run example -- text_classification_with_transformer [--data DIR] [--seed N] [--epochs N]
 *
 * DIR holds amazon_cells_labelled.txt, imdb_labelled.txt and yelp_labelled.txt (one sentence per
 * line, the label after the last tab); default ../shared/data/uci_sentiment_labelled_sentences.
 * Every fifth sentence is held out for the test. keras.io trains 2 epochs on 25,000 IMDB reviews;
 * on these 2,400 sentences 2 epochs leave the model near chance (PyTorch: 0.61), so the recipe is 5.
 * bench/transformer_sentiment_torch.py is the same model, split and recipe in PyTorch.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import * as keras from 'keras-ts';
import type {Tensor} from 'keras-ts';

const {layers, ops} = keras;
const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1]! : fallback);
const dataDir = arg('data', '../shared/data/uci_sentiment_labelled_sentences');
const seed = Number(arg('seed', '1337'));
const epochs = Number(arg('epochs', '5'));
keras.utils.setRandomSeed(seed);

// Implement a Transformer block as a layer
class TransformerBlock extends keras.Layer {
  att: InstanceType<typeof layers.MultiHeadAttention>;
  ffn: keras.Sequential;
  layernorm1 = new layers.LayerNormalization({epsilon: 1e-6});
  layernorm2 = new layers.LayerNormalization({epsilon: 1e-6});
  dropout1: InstanceType<typeof layers.Dropout>;
  dropout2: InstanceType<typeof layers.Dropout>;

  constructor(embedDim: number, numHeads: number, ffDim: number, rate = 0.1) {
    super();
    this.att = new layers.MultiHeadAttention(numHeads, embedDim);
    this.ffn = new keras.Sequential([new layers.Dense(ffDim, {activation: 'relu'}), new layers.Dense(embedDim)]);
    this.dropout1 = new layers.Dropout(rate);
    this.dropout2 = new layers.Dropout(rate);
  }

  override call(inputs: Tensor): Tensor {
    let attnOutput = this.att.apply([inputs, inputs]) as Tensor;
    attnOutput = this.dropout1.apply(attnOutput) as Tensor;
    const out1 = this.layernorm1.apply(ops.add(inputs, attnOutput)) as Tensor;
    let ffnOutput = this.ffn.apply(out1) as Tensor;
    ffnOutput = this.dropout2.apply(ffnOutput) as Tensor;
    return this.layernorm2.apply(ops.add(out1, ffnOutput)) as Tensor;
  }
}

// Implement embedding layer: two seperate embedding layers, one for tokens, one for token index (positions)
class TokenAndPositionEmbedding extends keras.Layer {
  tokenEmb: InstanceType<typeof layers.Embedding>;
  posEmb: InstanceType<typeof layers.Embedding>;

  constructor(maxlen: number, vocabSize: number, embedDim: number) {
    super();
    this.tokenEmb = new layers.Embedding(vocabSize, embedDim);
    this.posEmb = new layers.Embedding(maxlen, embedDim);
  }

  override call(x: Tensor): Tensor {
    const maxlen = x.shape.at(-1)!;
    const positions = this.posEmb.apply(keras.arange(0, maxlen, 1, 'int32')) as Tensor;
    return ops.add(this.tokenEmb.apply(x) as Tensor, positions);
  }
}

// Prepare the data: the sentences, every fifth held out, vectorized with a vocabulary of the training ones
const lines = ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt']
  .flatMap((f) => readFileSync(join(dataDir, f), 'utf8').split('\n').filter((l) => l.trim()));
const texts = lines.map((l) => l.slice(0, l.lastIndexOf('\t')));
const labels = lines.map((l) => Number(l.slice(l.lastIndexOf('\t') + 1)));
const isTest = (i: number) => i % 5 === 4;
const trainIdx = texts.map((_, i) => i).filter((i) => !isTest(i));
const testIdx = texts.map((_, i) => i).filter(isTest);
const maxlen = 40; // only consider the first 40 words of each sentence
const vectorize = new layers.TextVectorization({outputSequenceLength: maxlen});
vectorize.adapt(trainIdx.map((i) => texts[i]!));
const vocabSize = vectorize.vocabularySize();
const ids = vectorize.apply(texts) as Tensor;
const rows = (ix: number[]) => ops.take(ids, keras.tensor(Int32Array.from(ix), [ix.length], 'int32'), 0);
const xTrain = rows(trainIdx), xVal = rows(testIdx);
const yTrain = keras.tensor(Int32Array.from(trainIdx, (i) => labels[i]!), [trainIdx.length], 'int32');
const yVal = keras.tensor(Int32Array.from(testIdx, (i) => labels[i]!), [testIdx.length], 'int32');
console.log(`${trainIdx.length} training sequences, ${testIdx.length} validation sequences, vocabulary of ${vocabSize}`);

// Create classifier model using transformer layer
const embedDim = 32; // Embedding size for each token
const numHeads = 2; // Number of attention heads
const ffDim = 32; // Hidden layer size in feed forward network inside transformer

const inputs = keras.Input({shape: [maxlen], dtype: 'int32'});
let x = new TokenAndPositionEmbedding(maxlen, vocabSize, embedDim).apply(inputs);
x = new TransformerBlock(embedDim, numHeads, ffDim).apply(x);
x = new layers.GlobalAveragePooling1D().apply(x);
x = new layers.Dropout(0.1).apply(x);
x = new layers.Dense(20, {activation: 'relu'}).apply(x);
x = new layers.Dropout(0.1).apply(x);
const outputs = new layers.Dense(2, {activation: 'softmax'}).apply(x);
const model = new keras.Model({inputs, outputs});

// Train and Evaluate
model.compile({optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy']});
await model.fit(xTrain, yTrain, {batchSize: 32, epochs, validationData: [xVal, yVal], verbose: 2});
const [loss, accuracy] = (await model.evaluate(xVal, yVal, {verbose: 0})) as number[];
console.log(`Test loss: ${loss!.toFixed(4)}`);
console.log(`Test accuracy: ${accuracy!.toFixed(4)}`);
