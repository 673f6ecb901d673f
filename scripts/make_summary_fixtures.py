#!/usr/bin/python3
"""Writes test/fixtures/summary/*.txt: model summaries rendered by `rich` (Debian python3-rich) with
the table Keras 3 builds in keras/src/utils/summary_utils.py (columns "Layer (type)", "Output
Shape", "Param #"; positions [0.45, 0.80, 1.0]; show_lines; captured without color), for the
layer rows given below. Run: /usr/bin/python3 scripts/make_summary_fixtures.py
"""
import json
import os

import rich.console
import rich.markup
import rich.table

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'summary')
os.makedirs(OUT, exist_ok=True)


def size(n_bytes):
    for unit in ['B', 'KB', 'MB', 'GB', 'TB', 'PB']:
        if n_bytes / 1024 < 1:
            return '%.2f %s' % (n_bytes, unit)
        n_bytes /= 1024
    return '%.2f PB' % n_bytes


def render(name, rows, trainable, non_trainable, optimizer=None, line_length=88, positions=None):
    positions = positions or [0.45, 0.80, 1.0]
    widths, current = [], 0
    for p in positions:
        w = int(p * line_length) - current
        widths.append(w)
        current += w
    cols = [rich.table.Column(h, justify=j, width=w)
            for h, j, w in zip(['Layer (type)', 'Output Shape', 'Param #'], ['left', 'left', 'right'], widths)]
    table = rich.table.Table(*cols, width=line_length, show_lines=True)
    for layer_name, cls, shape, params in rows:
        table.add_row(f'{rich.markup.escape(layer_name)} ({cls})', shape, params)
    console = rich.console.Console(highlight=False, force_terminal=False, color_system=None, width=200)
    console.begin_capture()
    console.print(f'[bold]Model: "{rich.markup.escape(name)}"[/]')
    console.print(table)
    total = trainable[0] + non_trainable[0] + (optimizer[0] if optimizer else 0)
    total_b = trainable[1] + non_trainable[1] + (optimizer[1] if optimizer else 0)
    console.print(f'[bold] Total params: [/]{total:,} ({size(total_b)})')
    console.print(f'[bold] Trainable params: [/]{trainable[0]:,} ({size(trainable[1])})')
    console.print(f'[bold] Non-trainable params: [/]{non_trainable[0]:,} ({size(non_trainable[1])})')
    if optimizer:
        console.print(f'[bold] Optimizer params: [/]{optimizer[0]:,} ({size(optimizer[1])})')
    return console.end_capture()


MLP = [
    ('dense', 'Dense', '(None, 512)', '401,920'),
    ('activation', 'Activation', '(None, 512)', '0'),
    ('dropout', 'Dropout', '(None, 512)', '0'),
    ('dense_1', 'Dense', '(None, 512)', '262,656'),
    ('activation_1', 'Activation', '(None, 512)', '0'),
    ('dropout_1', 'Dropout', '(None, 512)', '0'),
    ('dense_2', 'Dense', '(None, 10)', '5,130'),
    ('activation_2', 'Activation', '(None, 10)', '0'),
]
P = 669706
cases = {
    'mlp_88': render('sequential', MLP, (P, P * 4), (0, 0)),
    'mlp_76': render('sequential', MLP, (P, P * 4), (0, 0), line_length=76),
    # RMSprop: iteration (int32, 4 bytes), learning_rate (float32), one velocity per weight
    'mlp_88_optimizer': render('sequential', MLP, (P, P * 4), (0, 0), optimizer=(P + 2, P * 4 + 8)),
    'small_unbuilt': render('my_model', [('dense_a', 'Dense', '(None, 3)', '15'), ('late', 'Dense', '?', '0 (unbuilt)')],
                            (15, 60), (0, 0), line_length=60, positions=[0.5, 0.75, 1.0]),
    'bn_nontrainable': render('sequential_1', [('batch_normalization', 'BatchNormalization', '(None, 4)', '16')],
                              (8, 32), (8, 32)),
}
for k, text in cases.items():
    with open(os.path.join(OUT, f'{k}.txt'), 'w') as f:
        f.write(text)
print(cases['mlp_88'])
print(cases['small_unbuilt'])
