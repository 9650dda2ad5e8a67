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
# # 03 · LSTM e GRU em preços de ações, julgados contra o passeio aleatório
#
# *Edição em português do tutorial `03_stocks_lstm_gru.py`.*
#
# Preços de ações são o parque de diversões preferido dos tutoriais de redes recorrentes, e o lugar mais
# fácil de se enganar. Este tutorial treina um LSTM e um GRU no índice S&P 500 e depois os avalia como
# faria um cético:
#
# * modelar **retornos logarítmicos**, não preços (`target_transform="log_return"`), e ver por quê;
# * prever um dia à frente a partir de cada dia de um ano que os modelos nunca viram, com um backtest sem
#   vazamento de informação do futuro;
# * comparar com o **passeio aleatório** (o preço de amanhã = o preço de hoje, `NaiveForecaster`), a
#   referência que mercados eficientes tornam muito difícil de vencer;
# * avaliar a **direção** do movimento (acurácia direcional) contra a referência certa, e verificar se a
#   diferença é maior do que a sorte;
# * ver por que um erro minúsculo *nos preços* (MAPE em torno de 1%) não diz nada sobre a capacidade de
#   previsão.
#
# `TSRNN_TUTORIAL_FAST=1` treina redes minúsculas por poucos passos, com menos dias: o fluxo de trabalho é
# o mesmo, os números não têm significado.

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
import numpy as np
import pandas as pd

pd.set_option("display.width", 150)
pd.set_option("display.max_columns", 20)
_FIGURE_DIR = None


def show(fig, name):
    """Mostra uma figura; sem monitor, salva numa pasta temporária; no modo rápido, só a fecha."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial03_pt_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figura salva em {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## Preços e retornos
#
# `sp500` contém o índice S&P 500 diário de 1999 a 2018. `load_dataset` coloca cada série de ações num
# calendário regular de dias úteis; nos feriados da bolsa o preço é repetido do dia anterior (retorno
# zero). Guardamos só o fechamento em `y`.
#
# Uma série de preços vagueia: seu nível em 2018 não se parece com nada de 2003, então uma rede treinada
# com preços antigos nunca viu a faixa sobre a qual é perguntada. O **retorno logarítmico**
# `r_t = log(p_t / p_{t-1})` é muito mais próximo de estacionário: números pequenos em torno de 0, com uma
# dispersão que muda devagar. Com `target_transform="log_return"` o tsrnn treina com `r_t` e converte a
# previsão de volta em preço com `p_{T+h} = p_T * exp(r_{T+1} + ... + r_{T+h})`; assim, toda previsão que
# você vê é um preço.

# %%
from tsrnn import NaiveForecaster, RNNForecaster, compare, dataset_info, load_dataset
from tsrnn.metrics import directional_accuracy, mape

prices = load_dataset("sp500", target="close")[["unique_id", "ds", "y"]]
print(dataset_info("sp500")["description"])
returns = np.log(prices["y"]).diff()

fig, axes = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
axes[0].plot(prices["ds"], prices["y"], linewidth=0.8, color="black")
axes[0].set_title("S&P 500, fechamento (pontos do índice)")
axes[1].plot(prices["ds"], returns, linewidth=0.4, color="tab:blue")
axes[1].set_title("retorno logarítmico diário")
for ax in axes:
    ax.grid(alpha=0.3)
show(fig, "03_precos_retornos.png")
print(f"retornos logarítmicos diários: média {returns.mean():.5f}, desvio padrão {returns.std():.4f}, "
      f"fração de dias de alta {(returns > 0).mean():.1%}")

# %% [markdown]
# ## A avaliação: previsões um dia à frente ao longo de um ano que ninguém usou no treino
#
# `compare` faz o backtest de vários modelos exatamente nas mesmas origens de previsão. Com `horizon=1`,
# `step=1` e `folds=N` há uma origem por dia nos últimos `N` dias úteis. `refit=False` ajusta cada modelo
# **uma vez**, com os dados anteriores à primeira origem, e depois prevê a partir de cada origem usando só
# o histórico até aquele dia, como você faria em produção entre dois retreinos. Para a rede recorrente,
# essas centenas de previsões são uma única chamada em lote (`forecast_at`, veja o tutorial 07).
#
# Nada depois de uma origem chega ao modelo: o ajuste termina antes da primeira, e cada previsão lê só o
# histórico até a sua origem.
#
# Os modelos: LSTM e GRU com as mesmas configurações, ambos em retornos logarítmicos; o passeio aleatório.

# %%
N_TEST = 60 if FAST else 250
if FAST:
    prices = prices[prices["ds"] >= "2014-01-01"].reset_index(drop=True)  # menos histórico, atributos mais rápidos

rnn_settings = dict(
    horizon=1,
    window=20 if FAST else 60,
    hidden_size=8 if FAST else 32,
    max_steps=20 if FAST else 1500,
    batch_size=128 if FAST else 256,
    target_transform="log_return",
    scaler="standard",  # os retornos já estão centrados: uma escala global por série, ajustada no treino
    progress=False,
    random_state=0,
)
models = {
    "LSTM": RNNForecaster(cell="lstm", **rnn_settings),
    "GRU": RNNForecaster(cell="gru", **rnn_settings),
    "passeio aleatório": NaiveForecaster(),
}
comparison = compare(models, prices, horizon=1, folds=N_TEST, step=1, refit=False, season_length=1,
                     progress=False)
print(comparison.leaderboard[["MASE", "MAE", "RMSE", "fit_time_s", "predict_time_s"]].round(4))

# %% [markdown]
# Com `season_length=1`, o denominador do MASE é o erro dentro da amostra do próprio passeio aleatório;
# ele se lê como "erro relativo ao movimento típico de um dia nos dados de treino" (valores acima de 1
# significam que os dias de teste se moveram mais do que os de treino, como nos meses turbulentos do fim
# de 2018). Espere os três modelos a poucos por cento uns dos outros: os movimentos diários de um índice
# são quase imprevisíveis a partir do seu próprio passado. Um modelo que vença o passeio aleatório por uma
# grande margem aqui merece desconfiança antes de comemoração.
#
# Um backtest deve ser fácil de auditar. A previsão do passeio aleatório a partir de uma origem tem de ser
# exatamente o último preço nessa origem; se fosse o preço do dia seguinte, o backtest estaria vazando o
# futuro.

# %%
walk = comparison.results["passeio aleatório"]
audit = walk.forecasts.merge(walk.origins[["unique_id", "fold", "last_value"]], on=["unique_id", "fold"])
assert np.allclose(audit["y_pred"], audit["last_value"]), "o passeio aleatório deve prever o último preço observado"
print("auditoria aprovada: toda previsão do passeio aleatório é igual ao último preço antes da sua origem")

# %% [markdown]
# ## Direção: o número que importa para quem opera
#
# A **acurácia direcional** é a fração de dias em que a previsão apontou na mesma direção que o preço:
# `mean(sign(y_pred - y_last) == sign(y - y_last))`. Duas armadilhas:
#
# 1. A referência certa não é 50%. Os mercados sobem um pouco mais vezes do que caem, então quem sempre
#    diz "alta" acerta a fração de dias de alta. Um modelo precisa vencer *isso*.
# 2. O passeio aleatório prevê "nenhum movimento", que só acerta nos raros dias em que o preço não mudou
#    (os feriados repetidos), então sua acurácia direcional fica perto de 0 e não significa nada.
#
# E com `N` dias de teste, uma taxa de acerto tem erro padrão de cerca de `sqrt(0.25 / N)`: 3 pontos para
# 250 dias. Um modelo precisa superar a referência por uns dois erros padrão antes que isso signifique
# alguma coisa.

# %%
rows = {}
for name in ("LSTM", "GRU", "passeio aleatório"):
    res = comparison.results[name]
    f = res.forecasts.merge(res.origins[["unique_id", "fold", "last_value"]], on=["unique_id", "fold"])
    rows[name] = {
        "acurácia direcional": directional_accuracy(f["y"], f["y_pred"], f["last_value"]),
        "MAPE nos preços (%)": mape(f["y"], f["y_pred"]),
    }
always_up = (f["y"] > f["last_value"]).mean()
rows["sempre 'alta'"] = {"acurácia direcional": always_up, "MAPE nos preços (%)": np.nan}
table = pd.DataFrame(rows).T
print(table.round(4))
half_band = 2 * np.sqrt(0.25 / len(f))
print(f"referência a vencer: {always_up:.1%} de dias de alta; dois erros padrão de uma taxa de acerto em "
      f"{len(f)} dias: +/- {half_band:.1%}")
if FAST:
    print("(modo rápido: 20 passos de treino; estes números não dizem nada sobre o método)")

# %% [markdown]
# `BacktestResult.finance()` transforma as mesmas previsões numa estratégia de negociação de brinquedo:
# comprado quando a previsão está acima do preço de hoje, vendido quando está abaixo, comparado com
# comprar e segurar (*buy and hold*) nos mesmos dias (sem custos de transação, que comeriam a maior parte
# da vantagem de uma estratégia diária).

# %%
finance = pd.concat({name: comparison.results[name].finance() for name in ("LSTM", "GRU")})
print(finance[["n_trades", "directional_accuracy", "strategy_return", "buy_and_hold_return",
               "strategy_sharpe", "buy_and_hold_sharpe"]].round(3))

# %% [markdown]
# ## Por que um erro baixo nos preços engana
#
# Veja o MAPE do passeio aleatório na tabela acima: em torno de 1%. "99% de acerto!" é como muitos posts
# anunciam o seu LSTM de preços de ações. Mas o passeio aleatório não sabe absolutamente nada sobre o
# futuro; seu erro é pequeno só porque o preço de amanhã fica perto do preço de hoje. Qualquer modelo que
# devolva algo perto do último preço herda esse erro minúsculo, e uma rede treinada com preços brutos
# aprende exatamente isso: copiar o último valor.
#
# O gráfico torna a ilusão visível: a previsão gruda no preço real, com um dia de atraso. Julgue a
# previsão pelo que ela acrescenta ao último preço, a *variação* prevista, e o quadro fica honesto: a
# correlação entre variações previstas e reais é a verdadeira capacidade de previsão, e ela fica perto
# de 0.

# %%
lstm = comparison.results["LSTM"]
f = lstm.forecasts.merge(lstm.origins[["unique_id", "fold", "last_value"]], on=["unique_id", "fold"])
walk_f = audit
level_r2 = 1 - np.sum((walk_f["y"] - walk_f["y_pred"]) ** 2) / np.sum((walk_f["y"] - walk_f["y"].mean()) ** 2)
print(f"passeio aleatório nos níveis de preço: MAPE {mape(walk_f['y'], walk_f['y_pred']):.2f}%, "
      f"R^2 {level_r2:.3f}  <- parece excelente, não significa nada")
predicted_change = f["y_pred"] - f["last_value"]
actual_change = f["y"] - f["last_value"]
corr = np.corrcoef(predicted_change, actual_change)[0, 1] if predicted_change.std() > 0 else float("nan")
print(f"LSTM nas variações: correlação entre as variações diárias previstas e reais {corr:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
last = f.tail(40)
axes[0].plot(last["ds"], last["y"], color="black", label="fechamento real")
axes[0].plot(last["ds"], walk_f.tail(40)["y_pred"], color="tab:orange", label="passeio aleatório")
axes[0].plot(last["ds"], last["y_pred"], color="tab:blue", label="LSTM")
axes[0].set_title("nível de preço: tudo parece preciso")
axes[0].legend(fontsize="small")
axes[0].tick_params(axis="x", labelrotation=30)
axes[1].scatter(predicted_change, actual_change, s=6, alpha=0.6)
axes[1].axhline(0, color="grey", linewidth=0.5)
axes[1].axvline(0, color="grey", linewidth=0.5)
axes[1].set_xlabel("variação prevista")
axes[1].set_ylabel("variação real")
axes[1].set_title("variação diária: onde a capacidade apareceria")
for ax in axes:
    ax.grid(alpha=0.3)
show(fig, "03_ilusao_preco.png")

# %% [markdown]
# ## O que levar deste tutorial
#
# * Modele retornos, informe preços: `target_transform="log_return"` faz as duas coisas.
# * O passeio aleatório é a referência para preços; um MASE com `season_length=1` mede diretamente contra
#   ele. Vencê-lo por um fio num único ano não é evidência; vencê-lo em muitos anos e muitos ativos,
#   depois dos custos, seria.
# * A acurácia direcional precisa superar a fração de dias de alta por mais do que o seu erro padrão.
# * MAPE, RMSE ou R^2 nos *níveis* de preço premiam copiar o preço de ontem. Julgue as variações.
# * LSTM e GRU costumam ficar próximos aqui; o GRU tem menos parâmetros (três blocos de pesos contra os
#   quatro do LSTM: as portas de reinício e de atualização e o candidato, contra as portas de entrada, de
#   esquecimento e de saída e o candidato) e treina um pouco mais rápido.
