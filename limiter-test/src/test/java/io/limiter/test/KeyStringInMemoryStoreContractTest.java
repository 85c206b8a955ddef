package io.limiter.test;

import io.limiter.core.RateLimitStore;

class KeyStringInMemoryStoreContractTest extends RateLimitStoreContract implements WarmupContract {

  @Override
  protected RateLimitStore createStore(ManualTicker ticker) {
    return RateLimitStore.builder().ticker(ticker).executor(Runnable::run).maxKeys(10_000)
        .buildInMemoryWithKeyStrings();
  }
}
