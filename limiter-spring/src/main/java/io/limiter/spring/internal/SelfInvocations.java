package io.limiter.spring.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds self-invocations of rate limited methods in a bean class's bytecode: a method of the class (or a superclass)
 * that calls a method of the same class hierarchy whose limits it does not take itself. A Spring AOP proxy never sees
 * such a call, so the callee's limit does not apply to it. The bytecode does not say whether the receiver is
 * {@code this} or another instance of the class; calls on another instance are rare in beans, and
 * {@code failOnUnenforced = false} turns the resulting failure into a warning. Calls through {@code super} to the
 * overridden method are not self-invocations (the override's limit governs the call). Stateless.
 */
final class SelfInvocations {

  private SelfInvocations() {
  }

  /**
   * @param user the bean class
   * @param policies the policies a call of a method takes on the class
   * @return one line per self-invocation, naming caller and callee
   */
  static List<String> find(Class<?> user, BiFunction<Method, Class<?>, Set<String>> policies) {
    Map<String, Method> methods = new HashMap<>();
    Set<String> hierarchy = new HashSet<>();
    List<Class<?>> classes = new ArrayList<>();
    for (Class<?> k = user; k != null && k != Object.class; k = k.getSuperclass()) {
      hierarchy.add(Type.getInternalName(k));
      classes.add(k);
    }
    for (Method m : ReflectionUtils.getAllDeclaredMethods(user)) {
      if (m.getDeclaringClass() != Object.class) {
        methods.putIfAbsent(Type.getInternalName(m.getDeclaringClass()) + "." + m.getName()
            + Type.getMethodDescriptor(m), m);
      }
    }
    Set<String> lines = new LinkedHashSet<>();
    for (Class<?> k : classes) {
      scan(k, user, hierarchy, methods, policies, lines);
    }
    return List.copyOf(lines);
  }

  private static void scan(Class<?> k, Class<?> user, Set<String> hierarchy, Map<String, Method> methods,
      BiFunction<Method, Class<?>, Set<String>> policies, Set<String> lines) {
    ClassLoader loader = k.getClassLoader() != null ? k.getClassLoader() : ClassUtils.getDefaultClassLoader();
    if (loader == null) {
      return;
    }
    String owner = Type.getInternalName(k);
    try (InputStream in = loader.getResourceAsStream(owner + ".class")) {
      if (in == null) {
        return;
      }
      new ClassReader(in).accept(new ClassVisitor(SpringAsmInfo.ASM_VERSION) {
        @Override
        public @Nullable MethodVisitor visitMethod(int access, String name, String descriptor,
            @Nullable String signature, String @Nullable [] exceptions) {
          if ((access & Opcodes.ACC_STATIC) != 0) {
            return null;
          }
          Method caller = methods.get(owner + "." + name + descriptor);
          return new MethodVisitor(SpringAsmInfo.ASM_VERSION) {
            @Override
            public void visitMethodInsn(int opcode, String calleeOwner, String calleeName, String calleeDescriptor,
                boolean isInterface) {
              if (!hierarchy.contains(calleeOwner) || (opcode != Opcodes.INVOKEVIRTUAL
                  && opcode != Opcodes.INVOKESPECIAL) || calleeName.equals("<init>")
                  || (opcode == Opcodes.INVOKESPECIAL && calleeName.equals(name)
                  && calleeDescriptor.equals(descriptor))) {
                return;
              }
              Method callee = resolve(user, calleeName, calleeDescriptor, methods);
              if (callee == null || Modifier.isPrivate(callee.getModifiers())) {
                // a limited private method is reported as such already
                return;
              }
              Set<String> needed = policies.apply(callee, user);
              if (needed.isEmpty()) {
                return;
              }
              Set<String> taken = caller == null ? Set.of() : policies.apply(caller, user);
              if (!taken.containsAll(needed)) {
                String from = caller != null ? RateLimitAnnotationParser.describe(caller)
                    : ClassUtils.getShortName(k) + "." + name;
                lines.add("@RateLimit of " + RateLimitAnnotationParser.describe(callee) + " does not apply when "
                    + from + " calls " + RateLimitAnnotationParser.describe(callee) + " on itself: a Spring AOP "
                    + "proxy sees only calls from outside the bean. Call it through the bean's proxy, move it to "
                    + "another bean, or weave the RateLimitAspect (@EnableRateLimiting(mode = AdviceMode.ASPECTJ))");
              }
            }
          };
        }
      }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    } catch (IOException | RuntimeException e) {
      // unreadable bytecode (a generated class): nothing to report
    }
  }

  /** The implementation a virtual call on an instance of the user class runs. */
  private static @Nullable Method resolve(Class<?> user, String name, String descriptor,
      Map<String, Method> methods) {
    for (Class<?> k = user; k != null && k != Object.class; k = k.getSuperclass()) {
      Method m = methods.get(Type.getInternalName(k) + "." + name + descriptor);
      if (m != null) {
        return m;
      }
    }
    return null;
  }
}
