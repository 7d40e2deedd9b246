package io.tollgate.gateway.call;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.routing.PromptFeatures;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cheap markers of what a prompt asks for, computed once at the boundary for routing: no text is
 * kept, only counts. Markers are regular expressions over the message text, deliberately simple
 * (a router weighs them; it does not need them to be right every time).
 */
public final class PromptAnalysis {

    private static final Pattern CODE = Pattern.compile(
            "```|^\\s*(def |class |public |import |function |#include|SELECT |for \\(|while \\()|[;{}]\\s*$",
            Pattern.MULTILINE);
    private static final Pattern MATH = Pattern.compile(
            "\\$[^$]+\\$|\\\\(frac|sum|int|sqrt)|\\b(integral|derivative|equation|theorem|prove|matrix|probability)\\b"
                    + "|\\d\\s*[+\\-*/^=]\\s*\\d", Pattern.CASE_INSENSITIVE);
    private static final Pattern MULTI_STEP = Pattern.compile(
            "step[- ]by[- ]step|^\\s*\\d+[.)]\\s|\\bfirst\\b.{0,200}\\bthen\\b|\\bplan\\b|\\bbreak (it )?down\\b",
            Pattern.CASE_INSENSITIVE | Pattern.MULTILINE);

    private PromptAnalysis() {
    }

    public static PromptFeatures features(ChatRequest request, int promptTokens) {
        int code = 0;
        int math = 0;
        int steps = 0;
        int messages = 0;
        int lastUser = -1;
        int turns = 0;
        for (JsonNode m : request.messages()) {
            String role = m.path("role").asText("");
            if (role.equals("user")) {
                lastUser = messages;
            }
            messages++;
        }
        int i = 0;
        for (JsonNode m : request.messages()) {
            String role = m.path("role").asText("");
            if (i < lastUser && (role.equals("user") || role.equals("assistant"))) {
                turns++;
            }
            String text = text(m.get("content"));
            code += count(CODE, text);
            math += count(MATH, text);
            steps += count(MULTI_STEP, text);
            i++;
        }
        boolean tools = request.tools() != null && request.tools().isArray() && !request.tools().isEmpty();
        return new PromptFeatures(promptTokens, messages, turns, tools, code, math, steps,
                request.maxTokens() == null ? 0 : request.maxTokens());
    }

    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("text").isTextual()) {
                sb.append(part.get("text").textValue()).append('\n');
            }
        }
        return sb.toString();
    }

    private static int count(Pattern p, String text) {
        Matcher m = p.matcher(text);
        int n = 0;
        while (m.find() && n < 1000) {
            n++;
        }
        return n;
    }
}
