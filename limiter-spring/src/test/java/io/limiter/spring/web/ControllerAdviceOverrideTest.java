package io.limiter.spring.web;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.limiter.core.RateLimitExceededException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** The application's own {@code @ControllerAdvice} for {@link RateLimitExceededException} wins over ours. */
@SpringBootTest(classes = MvcTestApplication.class)
@Import(ControllerAdviceOverrideTest.OwnAdvice.class)
@AutoConfigureMockMvc
class ControllerAdviceOverrideTest {

  /** The application's rendering of rejections. */
  @RestControllerAdvice
  static class OwnAdvice {
    @ExceptionHandler(RateLimitExceededException.class)
    ResponseEntity<String> slowDown(RateLimitExceededException e) {
      return ResponseEntity.status(503).header("X-Slow-Down", e.decision().policy().name()).body("slow down");
    }
  }

  @Autowired
  MockMvc mvc;

  @Test
  void theApplicationsHandlerRendersTheRejection() throws Exception {
    for (int i = 0; i < 3; i++) {
      mvc.perform(get("/hello")).andExpect(status().isOk());
    }
    mvc.perform(get("/hello")).andExpect(status().isServiceUnavailable())
        .andExpect(header().string("X-Slow-Down", "hello")).andExpect(content().string("slow down"));
  }
}
