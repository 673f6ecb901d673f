// The public `keras.layers` namespace: re-exports only.
export {Layer, InputSpec, clearSession, getMask, setMask, uniqueName} from './layer.js';
export type {AddWeightArgs, CallArgs, LayerArgs, LayerInput, LayerOutput, ShapeLike} from './layer.js';
export {KerasTensor, Node} from './keras_tensor.js';

// core
export {InputLayer} from './core/input_layer.js';
export type {InputLayerArgs} from './core/input_layer.js';
export {Dense} from './core/dense.js';
export type {DenseArgs} from './core/dense.js';

// activations
export {Activation} from './activations/activation.js';
export {ReLU} from './activations/relu.js';
export {LeakyReLU} from './activations/leaky_relu.js';
export {PReLU} from './activations/prelu.js';
export {ELU} from './activations/elu.js';
export {Softmax} from './activations/softmax.js';

// convolutional
export {Conv1D} from './convolutional/conv1d.js';
export {Conv2D, Convolution2D} from './convolutional/conv2d.js';
export {Conv2DTranspose} from './convolutional/conv2d_transpose.js';
export {DepthwiseConv2D} from './convolutional/depthwise_conv2d.js';
export {SeparableConv2D} from './convolutional/separable_conv2d.js';
export type {ConvArgs} from './convolutional/base_conv.js';
export {Conv1D as Convolution1D} from './convolutional/conv1d.js';
export {Conv2DTranspose as Convolution2DTranspose} from './convolutional/conv2d_transpose.js';
export {SeparableConv2D as SeparableConvolution2D} from './convolutional/separable_conv2d.js';
export {Conv3D, Conv3D as Convolution3D} from './convolutional/conv3d.js';
export {Conv1DTranspose, Conv1DTranspose as Convolution1DTranspose} from './convolutional/conv1d_transpose.js';
export {Conv3DTranspose, Conv3DTranspose as Convolution3DTranspose} from './convolutional/conv3d_transpose.js';
export {DepthwiseConv1D} from './convolutional/depthwise_conv1d.js';
export {SeparableConv1D, SeparableConv1D as SeparableConvolution1D} from './convolutional/separable_conv1d.js';
export type {ConvTransposeArgs} from './convolutional/base_conv_transpose.js';
export type {DepthwiseConvArgs} from './convolutional/base_depthwise_conv.js';
export type {SeparableConvArgs} from './convolutional/base_separable_conv.js';

// pooling
export {MaxPooling1D} from './pooling/max_pooling1d.js';
export {MaxPooling2D} from './pooling/max_pooling2d.js';
export {AveragePooling1D} from './pooling/average_pooling1d.js';
export {AveragePooling2D} from './pooling/average_pooling2d.js';
export {GlobalMaxPooling1D} from './pooling/global_max_pooling1d.js';
export {GlobalMaxPooling2D} from './pooling/global_max_pooling2d.js';
export {GlobalAveragePooling1D} from './pooling/global_average_pooling1d.js';
export {GlobalAveragePooling2D} from './pooling/global_average_pooling2d.js';
export {MaxPooling1D as MaxPool1D} from './pooling/max_pooling1d.js';
export {MaxPooling2D as MaxPool2D} from './pooling/max_pooling2d.js';
export {AveragePooling1D as AvgPool1D} from './pooling/average_pooling1d.js';
export {AveragePooling2D as AvgPool2D} from './pooling/average_pooling2d.js';
export {GlobalMaxPooling1D as GlobalMaxPool1D} from './pooling/global_max_pooling1d.js';
export {GlobalMaxPooling2D as GlobalMaxPool2D} from './pooling/global_max_pooling2d.js';
export {GlobalAveragePooling1D as GlobalAvgPool1D} from './pooling/global_average_pooling1d.js';
export {GlobalAveragePooling2D as GlobalAvgPool2D} from './pooling/global_average_pooling2d.js';
export {MaxPooling3D, MaxPooling3D as MaxPool3D} from './pooling/max_pooling3d.js';
export {AveragePooling3D, AveragePooling3D as AvgPool3D} from './pooling/average_pooling3d.js';
export {GlobalMaxPooling3D, GlobalMaxPooling3D as GlobalMaxPool3D} from './pooling/global_max_pooling3d.js';
export {GlobalAveragePooling3D, GlobalAveragePooling3D as GlobalAvgPool3D} from './pooling/global_average_pooling3d.js';

// reshaping
export {Flatten} from './reshaping/flatten.js';
export {Reshape} from './reshaping/reshape.js';
export {Permute} from './reshaping/permute.js';
export {RepeatVector} from './reshaping/repeat_vector.js';
export {ZeroPadding1D} from './reshaping/zero_padding1d.js';
export {ZeroPadding2D} from './reshaping/zero_padding2d.js';
export {Cropping1D} from './reshaping/cropping1d.js';
export {Cropping2D} from './reshaping/cropping2d.js';
export {UpSampling1D} from './reshaping/up_sampling1d.js';
export {UpSampling2D} from './reshaping/up_sampling2d.js';
export {ZeroPadding3D} from './reshaping/zero_padding3d.js';
export {Cropping3D} from './reshaping/cropping3d.js';
export {UpSampling3D} from './reshaping/up_sampling3d.js';

// normalization
export {BatchNormalization} from './normalization/batch_normalization.js';
export {LayerNormalization} from './normalization/layer_normalization.js';
export {GroupNormalization} from './normalization/group_normalization.js';
export type {GroupNormalizationArgs} from './normalization/group_normalization.js';
export {UnitNormalization} from './normalization/unit_normalization.js';
export {RMSNormalization} from './normalization/rms_normalization.js';

// regularization
export {Dropout} from './regularization/dropout.js';
export {SpatialDropout1D, SpatialDropout2D, SpatialDropout3D} from './regularization/spatial_dropout.js';
export {AlphaDropout} from './regularization/alpha_dropout.js';
export {GaussianNoise} from './regularization/gaussian_noise.js';
export {GaussianDropout} from './regularization/gaussian_dropout.js';
export {ActivityRegularization} from './regularization/activity_regularization.js';

// functional API: Input and symbolic calls (installs the hook Layer.apply uses on KerasTensors)
export {Input} from './symbolic_call.js';
export type {InputArgs} from './symbolic_call.js';

// merging
export {Merge, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot} from './merging/index.js';
export {add, subtract, multiply, average, maximum, minimum, concatenate, dot} from './merging/index.js';
export type {ConcatenateArgs, DotArgs} from './merging/index.js';

// sequences: recurrent layers, Embedding, Masking, text preprocessing
export * from './recurrent/index.js';
export {Embedding} from './core/embedding.js';
export type {EmbeddingArgs} from './core/embedding.js';
export {Masking} from './core/masking.js';
export type {MaskingArgs} from './core/masking.js';
export {Lambda, type LambdaArgs, type LambdaFunction} from './core/lambda_layer.js';
export {Identity} from './core/identity.js';
export * from './preprocessing/index.js';

// attention
export {EinsumDense} from './core/einsum_dense.js';
export type {EinsumDenseArgs} from './core/einsum_dense.js';
export {MultiHeadAttention} from './attention/multi_head_attention.js';
export type {MultiHeadAttentionArgs} from './attention/multi_head_attention.js';
export {GroupedQueryAttention, GroupQueryAttention} from './attention/grouped_query_attention.js';
export type {GroupedQueryAttentionArgs} from './attention/grouped_query_attention.js';
export {Attention, AdditiveAttention} from './attention/attention.js';
export type {AttentionArgs, AdditiveAttentionArgs} from './attention/attention.js';
export type {AttentionCallArgs} from './attention/attention_masks.js';
