export {RNNCell, type RNNCellArgs} from './rnn_cell.js';
export {SimpleRNNCell, LSTMCell, GRUCell, type SimpleRNNCellArgs, type LSTMCellArgs, type GRUCellArgs} from './cells.js';
export {StackedRNNCells} from './stacked_rnn_cells.js';
export {RNN, type RNNArgs, type RNNCallArgs} from './rnn.js';
export {SimpleRNN, LSTM, GRU, type SimpleRNNArgs, type LSTMArgs, type GRUArgs} from './layers.js';
export {Bidirectional, type BidirectionalArgs, type MergeMode} from './bidirectional.js';
export {TimeDistributed} from './time_distributed.js';
export {ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, type ConvLSTMArgs} from './conv_lstm.js';
