package io.limiter.spring.matrix.web;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitExceededException;
import io.limiter.spring.matrix.Shapes;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.Callable;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.RestController;

/**
 * The MVC and Spring Boot servlet-filter rows of the annotation matrix: each handler or servlet has its own 2/hour
 * limit and path.
 */
@SpringBootApplication
public class WebMatrixApplication {

  /** Class-level limit, package-private handlers (as docs/spring.md's quick start writes them). */
  @RestController
  @RateLimit("2/hour")
  static class PackagePrivateHandlers {
    @GetMapping("/mvc/package-private")
    String handle() {
      return "ok";
    }
  }

  /** Class-level limit; MVC calls two model attributes and a binder initializer around the handler. */
  @RestController
  @RateLimit("2/hour")
  public static class ModelAttributes {
    @ModelAttribute("a")
    public String a() {
      return "a";
    }

    @ModelAttribute("b")
    public String b() {
      return "b";
    }

    @InitBinder
    public void initBinder(WebDataBinder binder) {
      binder.setDisallowedFields("id");
    }

    @GetMapping("/mvc/model-attributes")
    public String handle(@ModelAttribute("a") String a) {
      return "ok";
    }
  }

  /** Class-level limit and the controller's own handler of the rejection. */
  @RestController
  @RateLimit("2/hour")
  public static class OwnExceptionHandler {
    @GetMapping("/mvc/own-exception-handler")
    public String handle() {
      return "ok";
    }

    @ExceptionHandler(RateLimitExceededException.class)
    public ResponseEntity<String> tooMany(RateLimitExceededException e) {
      return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).body("own handler");
    }
  }

  /** The already-right shapes: two mappings, HEAD, async, error dispatch, composed. */
  @RestController
  public static class Handlers {
    @GetMapping({"/mvc/double/a", "/mvc/double/b"})
    @RateLimit("2/hour")
    public String doubleMapping() {
      return "ok";
    }

    @GetMapping("/mvc/head")
    @RateLimit("2/hour")
    public String head() {
      return "ok";
    }

    @GetMapping("/mvc/async")
    @RateLimit("2/hour")
    public Callable<String> async() {
      return () -> "ok";
    }

    @GetMapping("/mvc/fails")
    @RateLimit("2/hour")
    public String fails() {
      throw new IllegalStateException("fails on purpose");
    }

    @GetMapping("/mvc/composed")
    @Shapes.TwoPerHour
    public String composed() {
      return "ok";
    }

    @GetMapping("/mvc/alias")
    @Shapes.Limited(rate = "2/hour")
    public String alias() {
      return "ok";
    }
  }

  /** Writes "ok". */
  abstract static class OkServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    void ok(HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().write("ok");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      ok(resp);
    }
  }

  /** Limited on doGet. */
  public static class DoGetServlet extends OkServlet {
    private static final long serialVersionUID = 1L;

    @Override
    @RateLimit("2/hour")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      ok(resp);
    }
  }

  /** Limited at class level. */
  @RateLimit("2/hour")
  public static class ClassLevelServlet extends OkServlet {
    private static final long serialVersionUID = 1L;
  }

  /** Limited by a composed annotation on doGet. */
  public static class ComposedServlet extends OkServlet {
    private static final long serialVersionUID = 1L;

    @Override
    @Shapes.TwoPerHour
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      ok(resp);
    }
  }

  /** Limited by an @AliasFor composed annotation at class level. */
  @Shapes.Limited(rate = "2/hour")
  public static class AliasServlet extends OkServlet {
    private static final long serialVersionUID = 1L;
  }

  /** The target of named dispatches. */
  public static class NamedTargetServlet extends OkServlet {
    private static final long serialVersionUID = 1L;

    @Override
    @RateLimit("2/hour")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      ok(resp);
    }
  }

  /** Forwards or includes by name. */
  public static class NamedDispatching extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp)
        throws jakarta.servlet.ServletException, IOException {
      if ("include".equals(req.getParameter("how"))) {
        getServletContext().getNamedDispatcher("namedTarget").include(req, resp);
      } else {
        getServletContext().getNamedDispatcher("namedTarget").forward(req, resp);
      }
    }
  }

  @Bean
  ServletRegistrationBean<NamedTargetServlet> namedTargetServlet() {
    ServletRegistrationBean<NamedTargetServlet> bean = new ServletRegistrationBean<>(new NamedTargetServlet(),
        "/servlet/named-target");
    bean.setName("namedTarget");
    return bean;
  }

  @Bean
  ServletRegistrationBean<NamedDispatching> namedDispatching() {
    return new ServletRegistrationBean<>(new NamedDispatching(), "/servlet/named");
  }

  @Bean
  ServletRegistrationBean<DoGetServlet> doGetServlet() {
    return new ServletRegistrationBean<>(new DoGetServlet(), "/servlet/do-get");
  }

  @Bean
  ServletRegistrationBean<AliasServlet> aliasServlet() {
    return new ServletRegistrationBean<>(new AliasServlet(), "/servlet/alias");
  }

  /** A plain servlet bean: Spring Boot maps it to /classServlet/. */
  @Bean
  ClassLevelServlet classServlet() {
    return new ClassLevelServlet();
  }

  /** A plain servlet bean: Spring Boot maps it to /composedServlet/. */
  @Bean
  ComposedServlet composedServlet() {
    return new ComposedServlet();
  }
}
