# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Uma rede recorrente do zero, e por que seus gradientes se dissipam ou explodem
#
# *Edição em português do tutorial `02_rnn_from_scratch.py`.*
#
# O tutorial 01 usou um LSTM como caixa-preta. Aqui nós o abrimos. Vamos
#
# 1. escrever a recorrência de Elman `h_t = tanh(W x_t + U h_{t-1} + b)` e verificar que a `ElmanRNN`
#    do tsrnn, escrita do zero, calcula exatamente o mesmo que `torch.nn.RNN`;
# 2. ver que a *retropropagação através do tempo* (BPTT, *backpropagation through time*) é apenas a regra
#    da cadeia aplicada ao laço desenrolado;
# 3. medir como o gradiente do último estado em relação à primeira entrada, `d h_T / d x_0`, morre em
#    janelas longas numa RNN simples (a **dissipação do gradiente**), e como as portas do LSTM e do GRU
#    o mantêm vivo;
# 4. fazer um treinamento explodir com pesos recorrentes grandes (a **explosão do gradiente**) e salvá-lo
#    com o recorte do gradiente (*gradient clipping*), ver quando o recorte atrapalha e por que o
#    otimizador Adam muda o quadro;
# 5. ler os mesmos diagnósticos, o histórico da norma do gradiente, em `RNNForecaster.history_`.
#
# `TSRNN_TUTORIAL_FAST=1` encurta todos os laços; os números impressos mantêm o sentido, mas ficam mais
# ruidosos.

# %%
# ruff: noqa: E402  (um notebook: os imports vêm onde são usados pela primeira vez)
import math
import os
import sys
import tempfile

FAST = os.environ.get("TSRNN_TUTORIAL_FAST") == "1"
if FAST:
    # Modelos pequenos numa CPU compartilhada: uma thread por processo evita o custo de sincronização.
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import matplotlib

if FAST or not (os.environ.get("MPLBACKEND") or os.environ.get("DISPLAY") or "ipykernel" in sys.modules
                or sys.platform in ("darwin", "win32")):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from tsrnn.nn.cells import ElmanRNN

_FIGURE_DIR = None


def show(fig, name):
    """Mostra uma figura; sem monitor, salva numa pasta temporária; no modo rápido, só a fecha."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial02_pt_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figura salva em {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## 1. A recorrência de Elman
#
# Uma rede de Elman (Elman, 1990) guarda um vetor de **estado oculto** `h_t` de tamanho `hidden_size`. A
# cada passo de tempo ela combina a nova entrada `x_t` (pesos `W`, de forma `oculto x entrada`) com o
# estado anterior (pesos `U`, de forma `oculto x oculto`), soma um viés e comprime o resultado com
# `tanh`:
#
# $$h_t = \tanh(W x_t + U h_{t-1} + b), \qquad h_0 = 0.$$
#
# Os mesmos `W`, `U`, `b` são usados em todos os passos: esse compartilhamento de pesos é o que permite
# que uma só rede leia janelas de qualquer comprimento. O estado após o último passo, `h_T`, é o que a
# camada de previsão lê.
#
# `tsrnn.nn.cells.ElmanRNN` escreve isso como um laço comum de Python sobre o tempo. Seus parâmetros têm
# os nomes dos de `torch.nn.RNN` (`weight_ih_l0` é `W`, `weight_hh_l0` é `U`, e `b` é dividido em
# `bias_ih_l0 + bias_hh_l0`), de modo que os pesos podem ser copiados um a um.

# %%
torch.manual_seed(0)
elman = ElmanRNN(input_size=2, hidden_size=5)
reference = nn.RNN(input_size=2, hidden_size=5, nonlinearity="tanh", batch_first=True)
reference.load_state_dict(elman.state_dict())  # mesmos nomes, mesmas formas

x = torch.randn(3, 7, 2)  # [lote, tempo, variáveis]
out_scratch, h_scratch = elman(x)
out_torch, h_torch = reference(x)
print("maior diferença entre todos os estados ocultos:", float((out_scratch - out_torch).detach().abs().max()))

# O primeiro passo à mão, direto da fórmula.
W, U = elman.weight_ih_l0, elman.weight_hh_l0
b = elman.bias_ih_l0 + elman.bias_hh_l0
h1 = torch.tanh(x[:, 0] @ W.T + torch.zeros(3, 5) @ U.T + b)
print("h_1 à mão é igual à primeira saída da camada:", torch.allclose(h1, out_scratch[:, 0], atol=1e-6))
print("os estados finais coincidem:", torch.allclose(h_scratch, h_torch, atol=1e-6))

# %% [markdown]
# Os gradientes também coincidem, porque o autograd deriva o nosso laço exatamente como deriva o kernel
# otimizado do PyTorch:

# %%
out_scratch[:, -1].sum().backward()
out_torch[:, -1].sum().backward()
grad_gap = float((elman.weight_hh_l0.grad - reference.weight_hh_l0.grad).abs().max())
print(f"maior diferença de dPerda/dU entre as duas implementações: {grad_gap:.2e}")

# %% [markdown]
# ## 2. Retropropagação através do tempo
#
# Para treinar, precisamos do gradiente de uma perda no fim da janela em relação a cada peso e a cada
# entrada. Desenrole o laço e a rede vira simplesmente uma rede profunda sem realimentação, com `T`
# camadas que compartilham os pesos. A regra da cadeia através dessa pilha dá, para o estado,
#
# $$\frac{\partial h_T}{\partial h_t} = \prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}}
#   = \prod_{k=t+1}^{T} \operatorname{diag}\!\left(1 - h_k^2\right) U .$$
#
# Esse produto de `T - t` matrizes é a história toda. Cada fator escala um vetor por aproximadamente
# (maior valor singular de `U`) x (`tanh'` médio, que é no máximo 1). Se isso for menor que 1, o sinal
# das primeiras entradas encolhe geometricamente: o gradiente **se dissipa** (*vanishing gradient*) e a
# rede não consegue aprender dependências mais longas do que alguns passos. Se for maior que 1 (e a
# `tanh` não estiver saturada), o gradiente **explode** (*exploding gradient*).
#
# A "retropropagação através do tempo" é simplesmente o autograd percorrendo o laço de volta. Ela guarda
# cada `h_t` na ida, então sua memória cresce com o comprimento da janela. Treinar com janelas de
# comprimento fixo, como faz o tsrnn, é a BPTT *truncada* usual: nenhum gradiente volta mais do que
# `window` passos.
#
# ## 3. Medindo a dissipação do gradiente
#
# Alimentamos sequências aleatórias de comprimento `T` e calculamos o jacobiano `d h_T / d x_0`: quanto
# o estado final se move quando a primeiríssima entrada se move. Mostramos sua norma, em média sobre um
# pequeno lote.

# %%
HIDDEN = 16 if FAST else 32
LENGTHS = (1, 10, 25, 50, 100) if FAST else (1, 10, 25, 50, 100, 200)
BATCH = 4 if FAST else 16


def first_input_sensitivity(net, T, batch=BATCH, seed=1):
    """Média sobre o lote de || d h_T / d x_0 || (norma de Frobenius do jacobiano)."""
    x = torch.randn(batch, T, 1, generator=torch.Generator().manual_seed(seed), requires_grad=True)
    out, _ = net(x)
    h_last = out[:, -1]  # [lote, oculto]
    squared = torch.zeros(batch)
    for unit in range(h_last.shape[1]):  # uma retropropagação por unidade oculta dá uma linha do jacobiano
        (grad,) = torch.autograd.grad(h_last[:, unit].sum(), x, retain_graph=True)
        squared += grad[:, 0, 0] ** 2  # as sequências são independentes, então a soma no lote se separa
    return float(squared.sqrt().mean())


def make(cell, gate_bias=None):
    """Uma rede recorrente de uma camada com a inicialização padrão do PyTorch e, opcionalmente, um viés de
    porta que favorece lembrar."""
    net = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](1, HIDDEN, batch_first=True)
    if gate_bias is not None:
        with torch.no_grad():
            # O segundo bloco dos vieses das portas é a porta de esquecimento do LSTM (portas i, f, g, o) e a
            # porta de atualização do GRU (portas r, z, n).
            net.bias_ih_l0[HIDDEN : 2 * HIDDEN] = gate_bias
            net.bias_hh_l0[HIDDEN : 2 * HIDDEN] = 0.0
    return net


torch.manual_seed(0)
nets = {
    "RNN simples": make("rnn"),
    "LSTM (inic. padrão)": make("lstm"),
    "GRU (inic. padrão)": make("gru"),
    "LSTM, viés esquec. 3": make("lstm", 3.0),
    "GRU, viés atualiz. 3": make("gru", 3.0),
}
table = {name: [first_input_sensitivity(net, T) for T in LENGTHS] for name, net in nets.items()}

print(f"{'||d h_T / d x_0||':22s}" + "".join(f"{'T=' + str(T):>10s}" for T in LENGTHS))
for name, values in table.items():
    print(f"{name:22s}" + "".join(f"{v:10.1e}" for v in values))

# %% [markdown]
# Leia a tabela linha por linha:
#
# * **RNN simples.** A sensibilidade à primeira entrada cai ordens de grandeza a cada poucas dezenas de
#   passos e chega ao piso da precisão numérica muito antes de `T = 200`. O que aconteceu no começo de
#   uma janela longa não consegue influenciar o aprendizado.
# * **LSTM e GRU com a inicialização padrão do PyTorch** não parecem melhores. Não há contradição: as
#   portas *podem* guardar memória, mas na inicialização seus vieses estão perto de 0, então a porta de
#   esquecimento vale cerca de `sigmoid(0) = 0.5` e a memória cai pela metade a cada passo.
# * **Com a porta inclinada a lembrar** (um viés de 1 a 3 na porta de esquecimento é prática comum em
#   LSTMs), o quadro muda. O estado de célula do LSTM é atualizado de forma *aditiva*,
#   `c_t = f_t * c_{t-1} + i_t * g_t`, então o caminho de volta por `c` multiplica apenas pela porta de
#   esquecimento `f_t`: sem `tanh'`, sem `U`. Com `f_t` perto de 1, o gradiente decai devagar e continua
#   utilizável por centenas de passos. A porta de atualização `z_t` do GRU faz o mesmo papel:
#   `h_t = z_t h_{t-1} + (1 - z_t) n_t`. Quanto a memória dura depende de quão perto de 1 a porta está:
#   um viés de 3 dá uma porta de cerca de 0,95, e `0.95^200` é cerca de `4e-5`, enquanto `0.99^200`
#   ainda é `0.13`. O decaimento é geométrico em todas as linhas; o que as portas mudam é a *taxa*, e a
#   taxa é algo que a rede pode aprender.
#
# A diferença crucial: as portas são *aprendidas* e dependem da entrada, então um LSTM ou GRU treinado
# abre e fecha sua memória onde os dados precisam. Uma RNN simples não tem esse interruptor: seu único
# caminho de volta no tempo passa por `U` e `tanh'` a cada passo.

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
for name, values in table.items():
    ax.semilogy(LENGTHS, np.maximum(values, 1e-45), marker="o", label=name)
ax.set_xlabel("comprimento da janela T")
ax.set_ylabel("|| d h_T / d x_0 ||")
ax.set_title("Quanto a primeira entrada ainda importa após T passos")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize="small")
show(fig, "02_dissipacao.png")

# %% [markdown]
# ## 4. Explosão do gradiente e recorte
#
# A falha oposta: tornar grande a matriz recorrente. Treinamos uma RNN simples para prever o próximo
# valor de uma senoide com ruído a partir de uma janela de 50 passos, uma vez com `U` inicializada como
# uma matriz ortogonal de ganho 1 (todos os valores singulares iguais a 1) e outra com ganho 2. Primeiro
# treinamos com SGD puro, porque ele torna o efeito fácil de ver: uma atualização é a taxa de aprendizado
# vezes o gradiente, então um gradiente enorme é um salto enorme.
#
# O **recorte do gradiente** (*gradient clipping*) reescala o vetor gradiente inteiro sempre que sua
# norma passa de um limiar `c`: `g <- g * min(1, c / ||g||)`. A direção é mantida, o tamanho do passo é
# limitado. Ele não cura a causa (o gradiente continua com a escala errada), mas impede que um lote ruim
# jogue os pesos para onde a perda é `inf`.

# %%
STEPS = 40 if FAST else 150
N_WINDOWS = 64 if FAST else 256


def sine_windows(n, T=50, seed=0):
    g = torch.Generator().manual_seed(seed)
    phase = torch.rand(n, 1, generator=g) * 2 * math.pi
    s = torch.sin(phase + 0.3 * torch.arange(T + 1)) + 0.1 * torch.randn(n, T + 1, generator=g)
    return s[:, :T, None], s[:, T]  # entradas [n, T, 1], próximo valor [n]


def train_plain_rnn(gain, clip, optimizer="sgd", steps=STEPS):
    """Treina uma RNN simples de 32 unidades nas janelas da senoide; devolve a norma do gradiente (antes do
    recorte) e a perda de cada passo."""
    torch.manual_seed(0)
    rnn, head = nn.RNN(1, 32, batch_first=True), nn.Linear(32, 1)
    with torch.no_grad():
        nn.init.orthogonal_(rnn.weight_hh_l0, gain=gain)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.05) if optimizer == "sgd" else torch.optim.Adam(params, lr=0.01)
    x, y = sine_windows(N_WINDOWS)
    norms, losses = [], []
    for _ in range(steps):
        _, h_n = rnn(x)
        loss = ((head(h_n[-1])[:, 0] - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        # clip_grad_norm_ devolve a norma *antes* do recorte: o diagnóstico honesto nos dois casos.
        norm = nn.utils.clip_grad_norm_(params, clip if clip is not None else float("inf"))
        norms.append(float(norm))
        losses.append(float(loss.detach()))
        opt.step()
    return np.array(norms), np.array(losses)


def describe(norms, losses):
    finite = np.isfinite(norms) & np.isfinite(losses)
    largest = np.max(norms[np.isfinite(norms)]) if np.isfinite(norms).any() else float("nan")
    return (f"norma inicial {norms[0]:9.2e}, maior {largest:9.2e}, não finita em {int((~finite).sum()):2d} "
            f"passos, perda final {losses[-1]:.3g}")


runs = {}
for gain, clip in ((1.0, None), (1.0, 1.0), (2.0, None), (2.0, 1.0)):
    runs[(gain, clip)] = train_plain_rnn(gain, clip)
    print(f"SGD, ganho {gain:.0f}, recorte {str(clip):4s}: {describe(*runs[(gain, clip)])}")
start_loss = runs[(2.0, None)][1][0]
exploded = not np.isfinite(runs[(2.0, None)][1][-1]) or runs[(2.0, None)][1][-1] > 100 * start_loss
rescued = np.isfinite(runs[(2.0, 1.0)][1][-1]) and runs[(2.0, 1.0)][1][-1] < 2 * start_loss
print(f"ganho 2 sem recorte explodiu: {exploded}; com recorte ficou perto da perda inicial ou abaixo: "
      f"{rescued}")

# %% [markdown]
# Com ganho 1, os dois treinamentos correm normalmente (o recorte só apara um ou outro passo grande). Com
# ganho 2, a norma do gradiente é centenas a milhares de vezes maior desde o primeiro passo; sem recorte, as
# primeiras atualizações jogam os pesos para longe e a perda explode (para valores astronomicamente
# grandes, ou `nan` alguns passos depois). Com recorte, os mesmos gradientes são reduzidos a comprimento 1
# antes de cada atualização, e o treinamento permanece finito: é para isso que serve o recorte. O gráfico
# mostra o histórico da norma do gradiente de cada treinamento, o diagnóstico a consultar sempre que uma
# curva de perda dá um salto.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for (gain, clip), (norms, losses) in runs.items():
    label = f"ganho {gain:.0f}, {'recorte 1' if clip else 'sem recorte'}"
    axes[0].semilogy(np.where(np.isfinite(norms), norms, np.nan), label=label)
    axes[1].semilogy(np.where(np.isfinite(losses), losses, np.nan), label=label)
axes[0].axhline(1.0, color="grey", linestyle=":", linewidth=1)
axes[0].set_title("norma do gradiente antes do recorte (pontilhado: c = 1)")
axes[1].set_title("perda de treino (lacunas são nan)")
for ax in axes:
    ax.set_xlabel("passo")
    ax.grid(alpha=0.3)
axes[1].legend(fontsize="small")
show(fig, "02_recorte.png")

# %% [markdown]
# ### Quando o recorte atrapalha
#
# O recorte só encurta passos. Um limiar muito abaixo da norma típica do gradiente recorta *todos* os
# passos, e então toda atualização do SGD tem comprimento `lr * c`, diga o gradiente o que disser: numa
# rede saudável, o treinamento se arrasta. Abaixo, a rede bem-comportada de ganho 1 é treinada com
# `c = 0.01`.
#
# O otimizador também importa. O tsrnn treina com **Adam**, que divide a atualização de cada peso por uma
# média móvel do tamanho recente dos gradientes desse peso, `Δw = -lr · m / (sqrt(v) + ε)`. Um gradiente
# 1000 vezes maior dá então uma atualização de tamanho parecido, de modo que o Adam, por si só, não deixa
# um gradiente grande jogar os pesos longe como o SGD deixa. Treinamos a rede explosiva de ganho 2 com
# Adam, com e sem recorte.

# %%
crawl = train_plain_rnn(1.0, 0.01)
print(f"SGD,  ganho 1, recorte 0.01: {describe(*crawl)}")
print(f"      (mesma rede, sem recorte, perda final {runs[(1.0, None)][1][-1]:.3g})")
adam_runs = {clip: train_plain_rnn(2.0, clip, optimizer="adam") for clip in (None, 1.0)}
for clip, (norms, losses) in adam_runs.items():
    print(f"Adam, ganho 2, recorte {str(clip):4s}: {describe(norms, losses)}")

# %% [markdown]
# * O limiar minúsculo transforma uma rede que treina bem numa que aprende muito mais devagar (compare as
#   duas perdas finais): recortar demais é um corte escondido na taxa de aprendizado. Um limiar sensato
#   fica acima da norma *típica* do gradiente e abaixo dos picos; o histórico da norma do gradiente
#   mostra onde estão uns e outros.
# * Com Adam, a rede de ganho 2 não explode, com ou sem recorte: a norma do seu gradiente continua enorme
#   (a rede ainda está no regime explosivo), mas os passos não. Qual das duas versões com Adam termina
#   mais baixo é questão de sorte aqui (compare as duas perdas finais); com Adam, o recorte é um seguro
#   contra picos *repentinos*, cujo tamanho as médias móveis do Adam ainda não viram, e não uma cura nem
#   um botão de acurácia.
#
# ## 5. Os mesmos diagnósticos no `RNNForecaster`
#
# O `RNNForecaster` registra a norma global do gradiente de cada passo do otimizador em
# `history_["grad_norm"]`, medida *antes* do recorte, para mostrar o tamanho real dos gradientes. Ele
# recorta em norma 1 por padrão (`gradient_clip_val=1.0`). Duas coisas a observar:
#
# * a fração de passos em que a norma passou de `gradient_clip_val` (o recorte atuou). Recortar em todos
#   os passos significa que o limiar está abaixo do gradiente típico: algo está mal escalado;
# * uma norma que despenca para perto de 0 enquanto a perda ainda está alta: gradientes que se dissiparam,
#   ou uma rede morta.
#
# Ajustamos a célula simples `"rnn"` aos dados de passageiros, com o erro quadrático médio
# (`loss="mse"`, cujo gradiente cresce com o erro, como na seção 4) e sem o caminho linear
# (`linear_skip=False`), para que só a rede recorrente aprenda. Primeiro nas contagens brutas de
# passageiros (`scaler=None`), com e sem recorte; depois em dados padronizados com uma taxa de aprendizado
# propositalmente alta, com e sem recorte, a partir de três sementes.

# %%
from tsrnn import RNNForecaster, load_dataset

df = load_dataset("airpassengers")
common = dict(cell="rnn", horizon=12, window=36, hidden_size=8 if FAST else 32, num_layers=1,
              max_steps=40 if FAST else 300, loss="mse", linear_skip=False, progress=False)
fits = {}
for clip in (None, 1.0):
    fits[("brutos", clip, 0)] = RNNForecaster(**common, scaler=None, learning_rate=3e-3, gradient_clip_val=clip,
                                              random_state=0).fit(df)
    for seed in (0, 1, 2):
        fits[("padronizados", clip, seed)] = RNNForecaster(**common, scaler="standard", learning_rate=0.1,
                                                           gradient_clip_val=clip, random_state=seed).fit(df)


def final_loss(model):
    return float(model.history_["train_loss"].iloc[-10:].mean())  # média dos últimos passos: lotes têm ruído


for data, clip, seed in sorted(fits, key=lambda key: (key[0], key[2], key[1] is not None)):
    g = fits[(data, clip, seed)].history_["grad_norm"]
    print(f"{data:12s} recorte {str(clip):4s} semente {seed}: norma mediana {g.median():8.3g}, "
          f"máx. {g.max():8.3g}, {(g > 1.0).mean():4.0%} dos passos acima de 1; "
          f"perda final {final_loss(fits[(data, clip, seed)]):.4g}")
raw_gap = abs(final_loss(fits[("brutos", 1.0, 0)]) / final_loss(fits[("brutos", None, 0)]) - 1)
wins = sum(final_loss(fits[("padronizados", 1.0, s)]) < final_loss(fits[("padronizados", None, s)])
           for s in (0, 1, 2))
print(f"dados brutos: o recorte mudou a perda final em {raw_gap:.1%}")
print(f"padronizados, taxa de aprendizado 0,1: a versão com recorte terminou mais baixo em {wins} de 3 "
      "sementes")
if FAST:
    print("(modo rápido: 40 passos de treino; a comparação é mais ruidosa do que num treino completo)")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharex=True)
for ax, data in zip(axes, ("brutos", "padronizados")):
    for clip, color in ((None, "tab:red"), (1.0, "tab:blue")):
        h = fits[(data, clip, 0)].history_
        ax.semilogy(h["step"], h["grad_norm"], color=color, linewidth=1,
                    label=f"{'sem recorte' if clip is None else 'recorte em 1'}")
    ax.axhline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_title(f"history_['grad_norm'], dados {data} (semente 0)")
    ax.set_xlabel("passo do otimizador")
    ax.grid(alpha=0.3, which="both")
axes[0].legend(fontsize="small")
show(fig, "02_historico_grad_norm.png")

# %% [markdown]
# * Nas contagens brutas (valores na casa das centenas, elevados ao quadrado pelo MSE), a norma do
#   gradiente fica nas centenas ou milhares em todos os passos, então o recorte em 1 atua o tempo todo.
#   Com Adam isso quase não muda nada (a diferença impressa entre as perdas finais com e sem recorte é
#   pequena): reescalar um gradiente que o Adam reescala de qualquer jeito mantém sua direção. De um
#   jeito ou de outro, a perda continua enorme, porque a saída da rede passa por uma `tanh` e por uma
#   camada linear que começam perto de 0 e andam mais ou menos a taxa de aprendizado por passo. O
#   histórico diagnostica isso de relance; a cura é a normalização (o padrão `scaler="window"`), não outro
#   valor de recorte. (Com SGD, recortar em todos os passos também cortaria a taxa de aprendizado, como na
#   seção 4.)
# * Com dados padronizados e uma taxa de aprendizado alta demais, o gradiente tem picos (os que passam da
#   linha pontilhada). O recorte limita esses picos antes que o Adam os veja. Ele não promete uma perda
#   menor: as versões com e sem recorte seguem caminhos diferentes e, após o mesmo número de passos,
#   qualquer uma pode terminar mais baixo (a contagem de sementes impressa diz como foi aqui). É por isso
#   que um treinamento com recorte pode terminar pior do que um sem, e por isso que a correção para uma
#   taxa de aprendizado alta demais é uma taxa menor.
#
# Então, no tsrnn: mantenha o recorte padrão como seguro, leia `history_["grad_norm"]` quando uma curva de
# perda saltar ou empacar, e corrija primeiro a normalização e a taxa de aprendizado. Quando um treino de
# fato produz `nan`, o tsrnn para com `TrainingDivergedError`, indicando o passo (e sugerindo uma taxa de
# aprendizado menor, recorte ou normalização), em vez de treinar com lixo. A camada escrita do zero da
# seção 1 está disponível como `cell="elman"`: a mesma matemática de `cell="rnn"`, bem mais lenta, feita
# para ser lida e percorrida passo a passo num depurador.
#
# ## Resumo
#
# * Uma RNN de Elman é uma linha de álgebra aplicada num laço; a retropropagação através do tempo é a
#   regra da cadeia ao longo desse laço.
# * Seus gradientes ao longo de `T` passos são um produto de `T` jacobianos: eles se dissipam ou explodem
#   geometricamente.
# * O LSTM e o GRU acrescentam um caminho de memória aditivo, controlado por portas, cujo gradiente é
#   regulado por uma porta aprendida; assim a informação de longo alcance pode sobreviver.
# * O recorte do gradiente limita o estrago da explosão do gradiente: com SGD, é a diferença entre um
#   treino que explode e um que aprende; um limiar abaixo da norma típica atrasa o treinamento; com Adam
#   (o otimizador do tsrnn), é um seguro contra picos repentinos, não um botão de acurácia.
# * No tsrnn, `cell="elman"` usa a camada escrita do zero (lenta, para estudo), `cell="rnn"` a do PyTorch,
#   e `history_` mostra as normas do gradiente dos seus próprios ajustes.
