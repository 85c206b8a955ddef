package io.limiter.spring.exchange;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.limiter.annotation.RateLimit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;

/**
 * Spring MVC maps {@code @HttpExchange} methods of a controller as handlers, as it maps {@code @RequestMapping}
 * ones: a class-level {@code @RateLimit} must cover them too, or the handler runs unlimited.
 */
@SpringBootTest(classes = HttpExchangeHandlerTest.App.class)
@AutoConfigureMockMvc
class HttpExchangeHandlerTest {

  /** The application. */
  @SpringBootApplication
  @Import({Api.class, ExchangeInterfaceApi.class})
  static class App {
  }

  /** Handlers mapped by {@code @GetExchange}, limited by the class. */
  @RestController
  @HttpExchange("/exchange")
  @RateLimit(value = "2/hour", name = "exchange-class")
  static class Api {
    @GetExchange("/data")
    public String data() {
      return "data";
    }
  }

  /** An HTTP interface, as shared with clients. */
  @HttpExchange("/shared")
  interface Contract {
    @GetExchange("/data")
    String data();
  }

  /** Its implementation, limited by the class. */
  @RestController
  @RateLimit(value = "2/hour", name = "exchange-interface")
  static class ExchangeInterfaceApi implements Contract {
    @Override
    public String data() {
      return "shared";
    }
  }

  @Autowired
  MockMvc mvc;

  @Test
  void aClassLevelLimitCoversHttpExchangeHandlers() throws Exception {
    mvc.perform(get("/exchange/data")).andExpect(status().isOk());
    mvc.perform(get("/exchange/data")).andExpect(status().isOk());
    mvc.perform(get("/exchange/data")).andExpect(status().isTooManyRequests());
  }

  @Test
  void aClassLevelLimitCoversHandlersMappedOnTheirHttpInterface() throws Exception {
    mvc.perform(get("/shared/data")).andExpect(status().isOk());
    mvc.perform(get("/shared/data")).andExpect(status().isOk());
    mvc.perform(get("/shared/data")).andExpect(status().isTooManyRequests());
  }
}
