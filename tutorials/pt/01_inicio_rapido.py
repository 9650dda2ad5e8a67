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
# # 01 · Início rápido: uma rede recorrente para prever passageiros aéreos
#
# *Edição em português do tutorial `01_quickstart.py`.*
#
# Este primeiro tutorial pega uma série real de vendas, ajusta uma rede neural recorrente a ela, desenha a
# previsão e faz a pergunta que toda previsão precisa responder: *ela é melhor do que o palpite óbvio?*
# Aqui o palpite óbvio é a previsão sazonal ingênua ("o próximo janeiro será como o último janeiro").
#
# O que você vai ver:
#
# * o formato de dados do tsrnn: uma tabela longa com as colunas `unique_id`, `ds`, `y`;
# * `RNNForecaster(...).fit(df).predict()` e o que significam seus principais parâmetros;
# * uma avaliação em dados separados (*holdout*) com o erro absoluto médio escalado (MASE) contra o
#   `SeasonalNaiveForecaster`;
# * a curva de treinamento em `history_`, e como salvar e carregar um modelo ajustado.
#
# Rode como script (`python tutorials/pt/01_inicio_rapido.py`) ou abra o notebook `01_inicio_rapido.ipynb`.
# Com `TSRNN_TUTORIAL_FAST=1` cada modelo treina por poucos passos: o código é o mesmo, os números não
# têm significado.

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

# Desenha fora da tela quando ninguém pode ver as figuras (modo rápido, máquina sem monitor).
if FAST or not (os.environ.get("MPLBACKEND") or os.environ.get("DISPLAY") or "ipykernel" in sys.modules
                or sys.platform in ("darwin", "win32")):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

_FIGURE_DIR = None


def show(fig, name):
    """Mostra uma figura; sem monitor, salva numa pasta temporária; no modo rápido, só a fecha."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial01_pt_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figura salva em {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## Os dados
#
# O tsrnn traz alguns conjuntos de dados reais, para que os tutoriais rodem sem conexão com a internet.
# `airpassengers` é a série clássica de Box & Jenkins: totais mensais de passageiros de voos
# internacionais (em milhares), de 1949 a 1960. Ela tem as três coisas que tornam dados de vendas
# interessantes: uma tendência, uma sazonalidade anual e uma oscilação sazonal que cresce com o nível.
#
# Toda função do tsrnn recebe uma **tabela longa**: uma linha por (série, instante), com o nome da série
# em `unique_id`, o instante em `ds` e o valor em `y`. Várias séries simplesmente empilham mais linhas.

# %%
from tsrnn import RNNForecaster, SeasonalNaiveForecaster, dataset_info, load_dataset
from tsrnn.metrics import mae, mase

df = load_dataset("airpassengers")
info = dataset_info("airpassengers")
print(df.head())
print(f"{info['n_obs']} observações, frequência {info['freq']!r}, período sazonal {info['season_length']}")

fig, ax = plt.subplots(figsize=(9, 3))
ax.plot(df["ds"], df["y"], color="black", linewidth=1)
ax.set_title("Passageiros de voos internacionais (milhares por mês)")
ax.grid(alpha=0.3)
show(fig, "01_dados.png")

# %% [markdown]
# ## Holdout: nunca avalie um modelo com o que ele já viu
#
# Escondemos os últimos 12 meses, ajustamos o modelo com o resto e comparamos a previsão com os meses
# escondidos. A divisão respeita a ordem do tempo: os meses de teste vêm estritamente depois de todos os
# meses de treino, como no uso real. (O tutorial 04 repete isso a partir de várias datas de corte, um
# *backtest*, que é mais confiável do que um único holdout.)

# %%
HORIZON = 12
train, test = df.iloc[:-HORIZON], df.iloc[-HORIZON:]
print(f"treino: {train['ds'].min():%Y-%m} .. {train['ds'].max():%Y-%m}   "
      f"teste: {test['ds'].min():%Y-%m} .. {test['ds'].max():%Y-%m}")

# %% [markdown]
# ## O que a rede recorrente faz
#
# Uma rede recorrente lê uma **janela** de valores passados, um passo de cada vez. A cada passo ela
# atualiza um vetor de **estado oculto** `h_t` a partir da nova entrada e do estado anterior; depois do
# último passo, `h_t` é um resumo aprendido da janela inteira. Uma camada linear transforma esse resumo
# na previsão. Com a estratégia padrão, `strategy="direct"`, essa camada emite de uma vez todos os
# `horizon` valores (o tutorial 02 abre a célula recorrente; o tutorial 08 compara as estratégias direta,
# recursiva e seq2seq). Por padrão, um segundo caminho, puramente linear, da janela até a previsão é
# somado à saída da rede (`linear_skip=True`): ele começa como "repetir o último valor", e a parte
# recorrente aprende o que um modelo linear não consegue (o tutorial 09, em inglês, mede quanto isso e os
# outros padrões valem).
#
# O treinamento desliza a janela sobre o histórico: cada posição dá um exemplo (a janela entra, os
# próximos `horizon` valores saem), e os pesos da rede são ajustados a todos eles por descida do
# gradiente.
#
# Os parâmetros que você mais vai mexer:
#
# | parâmetro | significado |
# |---|---|
# | `horizon` | quantos passos à frente a rede aprende a prever (o horizonte) |
# | `window` | quantos passos passados ela lê (padrão: duas vezes a sazonalidade ou o horizonte, no mínimo 16) |
# | `cell` | `"lstm"` (padrão), `"gru"`, `"rnn"` (Elman simples) ou `"elman"` (a nossa versão escrita do zero) |
# | `hidden_size` | o tamanho do vetor de estado `h_t`: a capacidade de memória da rede |
# | `max_steps` | passos do otimizador; cada passo usa um lote (*batch*) de `batch_size` janelas (padrão: definido pelo número de janelas) |
# | `loss` | o que o treinamento minimiza: `"mae"` (padrão, prevê a mediana), `"mse"`, `"huber"`, `"mase"`, `"quantile"` |
# | `scaler` | `"window"` (padrão) normaliza cada janela de entrada pela sua própria média e dispersão, e assim uma só rede serve para qualquer nível |
# | `target_transform` | `"log"` transforma uma sazonalidade multiplicativa em aditiva |
# | `random_state` | a mesma semente dá a mesma previsão (na CPU) |

# %%
rnn = RNNForecaster(
    cell="lstm",
    horizon=HORIZON,
    hidden_size=8 if FAST else 32,
    max_steps=30 if FAST else 500,
    target_transform="log",
    progress=not FAST,
    random_state=0,
)
rnn.fit(train)
print(f"janela={rnn.window_} passos, treinada com {rnn.n_train_windows_} janelas")

forecast = rnn.predict()  # o horizonte padrão é o do treinamento
print(forecast.head())

# %% [markdown]
# `predict` devolve de novo uma tabela longa, com os instantes futuros reais em `ds` e a previsão em
# `y_pred`. Ele pode prever menos passos do que o modelo aprendeu (`predict(6)`), mas não mais.
#
# ## A referência, e o MASE
#
# A previsão sazonal ingênua repete a última estação observada. Ela não precisa de treinamento nenhum;
# um modelo que não consegue vencê-la não vale o seu custo.
#
# O **erro absoluto médio escalado** (MASE, *mean absolute scaled error*) divide o erro absoluto médio
# de uma previsão pelo erro absoluto médio que a previsão sazonal ingênua comete *dentro dos dados de
# treino*:
#
# $$\text{MASE} = \frac{\frac{1}{H}\sum_h |y_{T+h} - \hat y_{T+h}|}{\frac{1}{T-m}\sum_{t=m+1}^{T}|y_t - y_{t-m}|}$$
#
# Ele não tem unidade, então pode ser feita a média entre séries de tamanhos diferentes, e abaixo de 1
# significa "melhor do que a sazonal ingênua dentro da amostra".

# %%
snaive = SeasonalNaiveForecaster(season_length=12).fit(train)
baseline = snaive.predict(HORIZON)

scores = {}
for name, frame in (("RNN (LSTM)", forecast), ("sazonal ingênua", baseline)):
    scores[name] = (mase(test["y"], frame["y_pred"], y_train=train["y"], season_length=12),
                    mae(test["y"], frame["y_pred"]))
    print(f"{name:16s} MASE={scores[name][0]:.3f}  MAE={scores[name][1]:.1f} mil passageiros")
if FAST:
    print("(modo rápido: a rede treinou por 30 passos; estes números não dizem nada sobre o método)")

# %%
fig, ax = plt.subplots(figsize=(9, 3.5))
recent = train[train["ds"] >= "1956-01-01"]
ax.plot(recent["ds"], recent["y"], color="black", linewidth=1, label="dados de treino")
ax.plot(test["ds"], test["y"], color="black", linestyle="--", linewidth=1, label="valores escondidos")
ax.plot(forecast["ds"], forecast["y_pred"], color="tab:blue", label=f"LSTM (MASE {scores['RNN (LSTM)'][0]:.2f})")
ax.plot(baseline["ds"], baseline["y_pred"], color="tab:orange",
        label=f"sazonal ingênua (MASE {scores['sazonal ingênua'][0]:.2f})")
ax.legend(fontsize="small")
ax.grid(alpha=0.3)
ax.set_title("Holdout de 12 meses")
show(fig, "01_holdout.png")

# %% [markdown]
# Um holdout de 12 meses é uma amostra pequena: outra semente, ou outro ano escondido, pode inverter a
# classificação. Trate um número isolado como este como uma primeira impressão, e use backtests
# (tutorial 04) antes de decidir qualquer coisa.
#
# ## O treinamento convergiu?
#
# `history_` registra cada passo do otimizador: a perda de treinamento (nas unidades normalizadas da
# rede), a norma global do gradiente antes do recorte (*clipping*) e a perda de validação, quando uma
# parte é separada para validação. Uma perda que ainda cai forte no final pede mais `max_steps`.

# %%
history = rnn.history_
print(history.tail(3))
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(history["step"], history["train_loss"], linewidth=1)
ax.set_yscale("log")
ax.set_xlabel("passo do otimizador")
ax.set_ylabel(f"perda de treino ({rnn.loss.upper()}, normalizada)")
ax.grid(alpha=0.3)
show(fig, "01_curva_treino.png")

# %% [markdown]
# ## Prevendo o futuro de verdade, e guardando o modelo
#
# Escolhido o método, ajuste de novo com todos os dados e preveja além deles. `save` grava o modelo
# ajustado numa pasta (parâmetros em JSON, arrays num arquivo `.npz` lido sem pickle, os pesos da rede num
# arquivo do torch lido de volta com `weights_only=True`, cada arquivo com sua soma de verificação); `load`
# devolve um modelo que prevê exatamente os mesmos números.

# %%
final = RNNForecaster(**rnn.get_params()).fit(df)
future = final.predict()
print(future[["ds", "y_pred"]].head(3).to_string(index=False))

with tempfile.TemporaryDirectory() as folder:
    path = final.save(os.path.join(folder, "airpassengers_lstm"))
    reloaded = RNNForecaster.load(path)
    assert np.allclose(reloaded.predict()["y_pred"], future["y_pred"])
    print("salvo, recarregado, mesma previsão:", sorted(os.listdir(path)))

# %% [markdown]
# ## Próximos passos
#
# * **02** abre a célula recorrente: a recorrência de Elman escrita à mão, a retropropagação através do
#   tempo, e por que existem o LSTM e o GRU.
# * **03** prevê preços de ações, onde a referência honesta é o passeio aleatório.
# * **04** (em inglês) compara ARIMA e redes recorrentes com um backtest de verdade.
# * **08** monta redes um-para-um, um-para-muitos, muitos-para-um e muitos-para-muitos e compara as
#   estratégias direta, recursiva e seq2seq passo a passo ao longo do horizonte.
