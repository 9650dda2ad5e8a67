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
# # 08 · Arquiteturas de sequência e estratégias de previsão de vários passos
#
# *Edição em português do tutorial `08_architectures_and_strategies.py`.*
#
# As redes recorrentes costumam ser desenhadas em quatro formatos: **um-para-um**, **um-para-muitos**,
# **muitos-para-um** e **muitos-para-muitos**. Prever `H` passos à frente a partir de uma janela do
# passado é um problema muitos-para-muitos, e há várias maneiras de montá-lo com os formatos menores. O
# tsrnn oferece três, escolhidas com `RNNForecaster(strategy=...)`:
#
# * `"direct"` (direta, o padrão): lê a janela e emite de uma vez os `H` valores a partir do último
#   estado;
# * `"recursive"` (recursiva): uma rede que prevê um passo, realimentada com a própria previsão `H` vezes;
# * `"seq2seq"`: um codificador lê a janela, um decodificador separado escreve o horizonte passo a passo.
#
# Neste tutorial você vai
#
# 1. ver os quatro formatos como formas de tensores no PyTorch;
# 2. ver de que formatos cada modelo do tsrnn é feito, e contar seus pesos;
# 3. prever as mesmas cinco séries mensais de vendas das três maneiras, a partir de 24 origens de
#    previsão;
# 4. traçar o **erro por passo do horizonte** e aprender a lê-lo (e a não lê-lo errado).
#
# Ele supõe os tutoriais 01 (a API, o MASE) e 02 (a recorrência `h_t = tanh(W x_t + U h_{t-1} + b)`).
# `TSRNN_TUTORIAL_FAST=1` treina redes minúsculas por algumas dezenas de passos, com menos origens: o
# código é o mesmo, os números não têm significado.

# %%
# ruff: noqa: E402  (um notebook: os imports vêm onde são usados pela primeira vez)
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
import pandas as pd
import torch
from torch import nn

pd.set_option("display.width", 150)
pd.set_option("display.max_columns", 20)
_FIGURE_DIR = None


def show(fig, name):
    """Mostra uma figura; sem monitor, salva numa pasta temporária; no modo rápido, só a fecha."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial08_pt_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figura salva em {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## 1. Quatro formatos, como formas de tensores
#
# Uma camada recorrente lê uma sequência `x_1, ..., x_T` e produz um estado `h_t` a cada passo. O que se
# faz com esses estados decide o formato da rede:
#
# | formato | entrada → saída | um exemplo em previsão |
# |---|---|---|
# | um-para-um | um vetor → um vetor, sem nenhuma recorrência | a janela como um vetor de defasagens, levado aos próximos valores por uma regressão |
# | um-para-muitos | um vetor → uma sequência | partir de um resumo do passado e *gerar* o horizonte passo a passo |
# | muitos-para-um | uma sequência → uma saída | ler uma janela e devolver o próximo valor (ou um vetor) |
# | muitos-para-muitos, sincronizado | uma saída a cada passo da entrada | prever o próximo valor em cada posição da janela |
# | muitos-para-muitos, codificador-decodificador | lê toda a entrada, depois escreve toda a saída | a janela entra, o horizonte sai |
#
# O `nn.LSTM` do PyTorch entrega as duas pontas de uma camada muitos-para-um/muitos-para-muitos de uma
# vez: `out` contém `h_t` de todos os passos (muitos-para-muitos sincronizado), `h_n` só o último
# (muitos-para-um).

# %%
torch.manual_seed(0)
lstm = nn.LSTM(input_size=1, hidden_size=4, batch_first=True)
window = torch.randn(2, 24, 1)  # [lote, tempo, variáveis]: duas janelas de 24 passos
out, (h_n, c_n) = lstm(window)
print("out, um estado por passo (muitos-para-muitos):", tuple(out.shape))  # [lote, tempo, oculto]
print("h_n[-1], o último estado (muitos-para-um):", tuple(h_n[-1].shape))  # [lote, oculto]
assert torch.allclose(out[:, -1], h_n[-1])  # a última saída *é* o último estado

# %% [markdown]
# Um-para-muitos precisa de um laço: partir de um estado e deixar a rede se desenrolar, realimentando cada
# saída como a próxima entrada. É assim que um decodificador escreve uma sequência de qualquer comprimento
# a partir de um único resumo.

# %%
cell = nn.LSTMCell(input_size=1, hidden_size=4)
head = nn.Linear(4, 1)
state = (h_n[-1], c_n[-1])  # o resumo da janela: um vetor por série
y_prev = window[:, -1]  # [lote, 1]: o último valor observado começa o laço
generated = []
for _ in range(3):  # três passos à frente
    state = cell(y_prev, state)
    y_prev = head(state[0])  # [lote, 1]: a saída deste passo é a entrada do próximo
    generated.append(y_prev)
print("um-para-muitos, três passos gerados:", tuple(torch.stack(generated, dim=1).shape))  # [lote, 3, 1]

# %% [markdown]
# ## 2. As três estratégias, e do que são feitas
#
# Escreva `w` para o comprimento da janela, `H` para o horizonte e `h_T` para o estado do codificador
# depois de ler a janela `y_{T-w+1}, ..., y_T`.
#
# **Direta** (`strategy="direct"`): um codificador muitos-para-um e depois uma camada linear que emite os
# `H` valores de uma vez,
#
# $$(\hat y_{T+1}, \dots, \hat y_{T+H}) = V h_T + c .$$
#
# Cada passo do horizonte tem a sua linha de `V`, nada é realimentado, então um erro no passo 1 não pode
# vazar para o passo 2. O preço: os passos são aprendidos lado a lado, e o modelo só prevê até o `H` com
# que foi treinado. (A literatura de previsão chama essa forma, uma rede com saída vetorial, de *MIMO*;
# lá "direta" muitas vezes significa um modelo separado por passo. O tsrnn treina uma só rede.)
#
# **Recursiva** (`strategy="recursive"`): uma rede muitos-para-um que prevê *um* passo,
# $\hat y_{T+1} = f(y_{T-w+1}, \dots, y_T)$, aplicada `H` vezes, cada vez lendo a própria previsão
# anterior como se fosse um dado. Um só conjunto de pesos serve para todos os passos, mas um erro de
# previsão vira um erro de entrada no passo seguinte: os erros podem se **acumular** ao longo do
# horizonte. O treinamento recursivo clássico ajusta a rede de um passo só com entradas verdadeiras
# (*teacher forcing*) e nunca vê os próprios erros. O tsrnn, em vez disso, treina o laço desenrolado com a
# perda do horizonte inteiro, retropropagando através das previsões realimentadas (a retropropagação
# através do tempo também percorre o horizonte), de modo que a rede aprende a conviver com os próprios
# erros; o acúmulo diminui, mas não desaparece.
#
# **Seq2seq** (`strategy="seq2seq"`): um codificador (muitos-para-um) resume a janela em `h_T`; um
# decodificador *separado* (um-para-muitos) parte de `h_T` e escreve o horizonte um passo de cada vez,
# recebendo como entrada a previsão anterior (e as variáveis futuras conhecidas daquele passo, se
# houver). Duas redes recorrentes, mais pesos, e a mais flexível das três: o decodificador pode tratar
# cada passo futuro de um jeito.
#
# O `LinearForecaster` é a referência um-para-um: a janela é um único vetor e uma matriz a leva ao
# horizonte, `ŷ = W y_janela + b` (nas unidades normalizadas da janela), sem estado nenhum.
#
# As redes abaixo são pequenas e o caminho linear híbrido da RNN (`linear_skip`, tutorial 09, em inglês)
# está desligado, para que o que difere entre elas seja a arquitetura recorrente e nada mais.

# %%
from sklearn.base import clone

from tsrnn import LinearForecaster, RNNForecaster, SeasonalNaiveForecaster, compare, load_dataset

HORIZON, WINDOW = 12, 24
names = ["a10", "h02", "wineind", "airpassengers", "souvenirs"]
sales = pd.concat([load_dataset(name) for name in names], ignore_index=True)
print(sales.groupby("unique_id")["ds"].agg(["min", "max", "count"]))

rnn_settings = dict(
    cell="lstm",
    horizon=HORIZON,
    window=WINDOW,
    hidden_size=8 if FAST else 32,
    num_layers=1 if FAST else 2,
    linear_skip=False,  # só a parte recorrente: o tutorial 09 acrescenta de volta o caminho linear
    target_transform="log",  # a sazonalidade de a10, airpassengers e souvenirs cresce com o nível
    max_steps=40 if FAST else 400,
    progress=False,
    random_state=0,
)
models = {
    "direta": RNNForecaster(strategy="direct", **rnn_settings),
    "recursiva": RNNForecaster(strategy="recursive", **rnn_settings),
    "seq2seq": RNNForecaster(strategy="seq2seq", **rnn_settings),
    "linear (um-para-um)": LinearForecaster(horizon=HORIZON, window=WINDOW, target_transform="log",
                                            max_steps=rnn_settings["max_steps"], progress=False,
                                            random_state=0),
    "sazonal ingênua": SeasonalNaiveForecaster(season_length=12),
}

# %% [markdown]
# Uma olhada por dentro: ajustamos cada modelo neural por dois passos numa série e contamos seus pesos. A
# camada de saída da estratégia direta cresce com `H` (uma linha de saída por passo); a recursiva e a
# seq2seq reutilizam uma pequena camada de saída em todos os passos, e a seq2seq paga por uma segunda rede
# recorrente.

# %%
one_series = sales[sales["unique_id"] == "a10"]
for name in ("direta", "recursiva", "seq2seq", "linear (um-para-um)"):
    fitted = clone(models[name]).set_params(max_steps=2).fit(one_series)  # dois passos: só as formas importam
    n_weights = sum(p.numel() for p in fitted.net_.parameters())
    parts = ", ".join(f"{child}: {sum(p.numel() for p in module.parameters())}"
                      for child, module in fitted.net_.named_children())
    print(f"{name:20s} {n_weights:6d} pesos ({parts})")

# %% [markdown]
# ## 3. Os mesmos dados, previstos de três maneiras
#
# `compare` faz o backtest de todos os modelos nas mesmas origens de previsão. Com `refit=False`, cada
# modelo é treinado **uma vez**, com os dados anteriores à primeira origem, e depois prevê 12 meses à
# frente a partir de cada uma das últimas 24 origens mensais (`folds=24, step=1`), lendo só o histórico
# até cada origem. Um ajuste por modelo mantém isso barato, e 24 origens consecutivas dão a cada mês do
# ano o mesmo peso em cada passo do horizonte (com `step=2`, o passo 1 seria sempre um mês ímpar do ano,
# o passo 2 sempre um par).

# %%
FOLDS = 12 if FAST else 24
comparison = compare(models, sales, horizon=HORIZON, folds=FOLDS, step=1, refit=False, season_length=12,
                     progress=False)
print(comparison.leaderboard[["MASE", "sMAPE", "MAE", "fit_time_s", "predict_time_s"]].round(3))
if FAST:
    print("(modo rápido: redes minúsculas treinadas por 40 passos; estes números não dizem nada sobre as "
          "estratégias)")

# %% [markdown]
# Um MASE abaixo de 1 significaria "melhor do que o erro da sazonal ingênua dentro da amostra"; aqui a
# régua que importa é a própria linha da sazonal ingênua, avaliada nas mesmas origens. Antes de tirar
# qualquer conclusão da classificação, lembre que uma semente e um conjunto de 24 origens é um
# experimento pequeno: outro `random_state` pode reordenar estratégias cujo MASE difere em alguns
# centésimos.
#
# ## 4. Erro por passo do horizonte
#
# A tabela acima faz a média sobre os 12 passos. `BacktestResult.metrics(by="horizon_step")` separa as
# mesmas previsões pela distância à frente em que foram feitas: o passo 1 é o mês logo depois da origem,
# o passo 12 é um ano à frente.

# %%
by_step = pd.DataFrame({name: result.metrics(by="horizon_step")["MASE"]
                        for name, result in comparison.results.items()})
print(by_step.round(2).T)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for name in by_step:
    style = dict(color="black", linestyle="--") if name == "sazonal ingênua" else {}
    axes[0].plot(by_step.index, by_step[name], marker="o", markersize=3, label=name, **style)
    axes[1].plot(by_step.index, by_step[name] / by_step["sazonal ingênua"], marker="o", markersize=3,
                 label=name, **style)
axes[0].set_title("MASE por passo do horizonte")
axes[1].set_title("relativo à sazonal ingênua no mesmo passo")
for ax in axes:
    ax.set_xlabel("passo do horizonte (meses à frente)")
    ax.set_xticks(by_step.index)
    ax.grid(alpha=0.3)
axes[1].legend(fontsize="small")
show(fig, "08_erro_por_passo.png")

first, last = by_step.iloc[:3].mean(), by_step.iloc[-3:].mean()
for name in by_step:
    print(f"{name:20s} MASE médio nos passos 1-3: {first[name]:.2f}   passos 10-12: {last[name]:.2f}   "
          f"crescimento x{last[name] / first[name]:.2f}")
print(f"menor erro nos passos 1-3: {first.idxmin()};  nos passos 10-12: {last.idxmin()}")

# %% [markdown]
# Como ler os dois painéis:
#
# * **O erro costuma crescer com o horizonte**: quanto mais à frente, mais coisas podem acontecer que a
#   janela não mostra. Um modelo cujo erro *não* cresce costuma ser um que ignora o passado recente, como
#   a previsão sazonal ingênua, cuja previsão para o passo `h` é o valor de uma estação antes.
# * **Passos diferentes são avaliados em meses diferentes.** O passo 12 da última origem é o último mês
#   dos dados; o passo 1 da primeira origem fica dois anos antes. Em séries que crescem, os alvos mais
#   recentes são maiores e mais difíceis, então parte da subida de todas as curvas, inclusive a da
#   referência, vem de *quais* meses um passo cobre, não do modelo. O painel da direita divide cada modelo
#   pela sazonal ingênua no mesmo passo, nos mesmos alvos: essa razão é a maneira justa de comparar
#   passos.
# * **O acúmulo de erros** aparece como uma curva recursiva (ou seq2seq) que começa baixa e sobe mais
#   rápido do que a direta: quem prevê um passo está no seu melhor no passo 1, e cada erro realimentado
#   custa acurácia mais adiante. A estratégia direta não tem realimentação, então sua curva costuma ser
#   mais plana, mas seus primeiros passos não são especialmente bons, porque cada passo divide um único
#   resumo `h_T` com outros onze. Se o acúmulo aparece ou não depende dos dados e do treinamento: treinar
#   no horizonte inteiro (como faz o tsrnn) o limita. Os fatores de crescimento impressos dizem o que
#   aconteceu nesta execução.
# * Diferenças de alguns centésimos num único passo estão dentro do ruído de uma semente e 24 origens.
#   Confie num padrão que se repete entre passos, sementes e conjuntos de dados.
# * Se o modelo linear um-para-um vencer todas as estratégias recorrentes, a recorrência não está pagando
#   o seu custo nestes dados com estas configurações. O tutorial 09 (em inglês) mostra o que torna o
#   modelo recorrente mais preciso e como medi-lo contra exatamente essa referência linear.
#
# ## 5. Uma origem, três previsões
#
# Os números são médias; uma figura de uma só origem torna os formatos concretos. Abaixo: a última origem
# de `a10` (vendas de antidiabéticos), prevista pelas três estratégias.

# %%
SERIES = "a10"
fig, ax = plt.subplots(figsize=(9, 3.5))
history = sales[(sales["unique_id"] == SERIES)]
last_fold = comparison.results["direta"].forecasts["fold"].max()
for name in ("direta", "recursiva", "seq2seq", "sazonal ingênua"):
    f = comparison.results[name].forecasts
    f = f[(f["unique_id"] == SERIES) & (f["fold"] == last_fold)]
    style = dict(color="black", linestyle="--", linewidth=1) if name == "sazonal ingênua" else {}
    ax.plot(f["ds"], f["y_pred"], label=name, **style)
cutoff = f["cutoff"].iloc[0]
recent = history[history["ds"] > cutoff - pd.DateOffset(years=3)]
ax.plot(recent["ds"], recent["y"], color="grey", linewidth=2, alpha=0.6, label="real")
ax.axvline(cutoff, color="grey", linewidth=0.8)
ax.set_title(f"{SERIES}: previsões a partir da última origem ({cutoff:%Y-%m})")
ax.legend(fontsize="small")
ax.grid(alpha=0.3)
show(fig, "08_uma_origem.png")

# %% [markdown]
# ## 6. Qual estratégia, quando?
#
# | estratégia | formato | pontos fortes | pontos fracos |
# |---|---|---|---|
# | `"direct"` | muitos-para-um + saída vetorial | a mais rápida (uma passada), sem acúmulo de erros, o padrão | horizonte fixado no treino; os passos dividem um só resumo |
# | `"recursive"` | muitos-para-um, iterada | uma pequena camada de saída para todos os passos; com `horizon=1` (tutorial 03) é a mesma rede muitos-para-um da `"direct"` | os erros se acumulam; `H` passos sequenciais na previsão |
# | `"seq2seq"` | codificador muitos-para-um + decodificador um-para-muitos | a mais flexível, lê as variáveis futuras conhecidas passo a passo | mais pesos, a mais lenta, precisa de mais dados |
#
# Uma regra prática: comece com `"direct"` e experimente as outras duas com `tsrnn.tune` ou `compare`
# quando o horizonte for longo ou quando covariáveis futuras conhecidas importarem (o tutorial 06, em
# inglês, mostra covariáveis). Seja qual for a escolha, olhe o erro por passo do horizonte contra uma
# referência no mesmo passo, não só a média.
#
# ## Resumo
#
# * Os quatro formatos são quatro maneiras de ligar entradas e estados às saídas; prever um horizonte a
#   partir de uma janela é muitos-para-muitos, montado com peças muitos-para-um e um-para-muitos.
# * `strategy="direct"` emite o horizonte de uma vez, `"recursive"` realimenta uma previsão de um passo,
#   `"seq2seq"` junta um codificador e um decodificador; o `LinearForecaster` é a referência um-para-um.
# * `result.metrics(by="horizon_step")` dá o erro em cada passo; compare passos só em relação a uma
#   referência avaliada nos mesmos alvos.
#
# Em seguida, o **09** (em inglês) pergunta o que de fato torna um modelo recorrente preciso: o caminho
# linear híbrido, a função de perda, a diferenciação sazonal e os conjuntos (*ensembles*) de sementes.
