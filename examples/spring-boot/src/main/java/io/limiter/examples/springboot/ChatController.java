package io.limiter.examples.springboot;

import io.limiter.annotation.RateLimit;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A token budget, as an LLM gateway keeps one: per API key, 20 requests a minute, and 10,000 tokens a minute and
 * 1,000,000 a day, charged from each answer's usage. The request's {@code maxTokens} is reserved before the call and
 * the reservation is settled to the answer's {@code usage.totalTokens} afterwards: a short answer gives the rest
 * back, a long one takes more (at most down to an empty budget). The completion is fake: its usage grows with the
 * prompt (about four characters a token, as real tokenizers count English), so a client can drain its budget.
 */
@RestController
@RequestMapping("/api")
public class ChatController {

  /**
   * Answers a prompt.
   *
   * @param chat the prompt and the most tokens the answer may take
   * @return the completion and its token usage
   */
  @PostMapping("/chat")
  @RateLimit(value = "20/minute", name = "chat-requests", key = "header:X-API-Key")
  @RateLimit(value = "10000/minute; 1000000/day", name = "chat-tokens", key = "header:X-API-Key",
      estimate = "#chat.maxTokens", actualCost = "#result.usage.totalTokens")
  public ChatResponse chat(@RequestBody ChatRequest chat) {
    long promptTokens = Math.max(1, (chat.getPrompt().length() + 3) / 4);
    long completionTokens = Math.min(chat.getMaxTokens(), promptTokens);
    return new ChatResponse("echo: " + chat.getPrompt().substring(0, Math.min(20, chat.getPrompt().length())),
        new Usage(promptTokens, completionTokens));
  }

  /** A chat request: {@code {"prompt": "...", "maxTokens": 2000}}; {@code maxTokens} defaults to 1000. */
  public static final class ChatRequest {
    private String prompt = "";
    private long maxTokens = 1000;

    public String getPrompt() {
      return prompt;
    }

    public void setPrompt(String prompt) {
      this.prompt = prompt == null ? "" : prompt;
    }

    public long getMaxTokens() {
      return maxTokens;
    }

    public void setMaxTokens(long maxTokens) {
      this.maxTokens = Math.max(1, maxTokens);
    }
  }

  /** The answer: the completion and its usage. */
  public static final class ChatResponse {
    private final String completion;
    private final Usage usage;

    ChatResponse(String completion, Usage usage) {
      this.completion = completion;
      this.usage = usage;
    }

    public String getCompletion() {
      return completion;
    }

    public Usage getUsage() {
      return usage;
    }
  }

  /** Tokens of the prompt, of the completion, and both. */
  public static final class Usage {
    private final long promptTokens;
    private final long completionTokens;

    Usage(long promptTokens, long completionTokens) {
      this.promptTokens = promptTokens;
      this.completionTokens = completionTokens;
    }

    public long getPromptTokens() {
      return promptTokens;
    }

    public long getCompletionTokens() {
      return completionTokens;
    }

    public long getTotalTokens() {
      return promptTokens + completionTokens;
    }
  }
}
